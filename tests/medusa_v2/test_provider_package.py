"""The provider package's own tests (Node's test runner, a fake hashless), run here so
that CI runs them: they need the Medusa peer dependencies of the example project."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.medusa_v2.conftest import ROOT, _require_tools, stack

pytestmark = pytest.mark.node


def test_node_tests_of_the_provider_pass() -> None:
    """``node --test`` over integrations/medusa-v2/test passes (answer mapping, client)."""
    _require_tools()
    stack.ensure_installed()
    package = ROOT / "integrations" / "medusa-v2"
    tests = sorted(str(path) for path in (package / "test").glob("*.test.js"))
    assert tests
    done = subprocess.run(
        ["node", "--test", *tests],
        cwd=package,
        env={**os.environ, "NODE_PATH": str(stack.PROJECT / "node_modules")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
