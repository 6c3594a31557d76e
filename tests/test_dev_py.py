"""dev.py installs pinned, hash-checked versions, and notices a lock that pyproject outgrew."""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pins(lock: Path) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins.setdefault(match.group(1).lower().replace("_", "-"), set()).add(match.group(2))
    return pins


def test_the_locks_are_made_from_this_pyproject() -> None:
    """requirements/*.lock record the digest of pyproject's requirements: refresh with
    `python3 dev.py lock` whenever they change (CI fails otherwise)."""
    assert _dev().stale_locks(ROOT) == []


def test_every_requirement_is_pinned_with_hashes_and_serve_is_a_subset_of_dev() -> None:
    """Each lock line pins one version with its hashes; the serve lock takes dev's versions;
    every package pyproject names (dev extra included), the build backend and pip are pinned."""
    dev, serve = (ROOT / "requirements" / f"{name}.lock" for name in ("dev", "serve"))
    for lock in (dev, serve):
        text = lock.read_text()
        requirements = [line for line in text.splitlines() if re.match(r"[A-Za-z0-9]", line)]
        assert requirements and all(PIN.match(line) for line in requirements)
        assert text.count("==") <= text.count("--hash=sha256:")
    dev_pins, serve_pins = _pins(dev), _pins(serve)
    assert all(serve_pins[name] <= dev_pins[name] for name in serve_pins)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    named = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    named += _dev().INSTALLER
    for extra in project["project"]["optional-dependencies"].values():
        named += [r for r in extra if not r.startswith("hashless[")]
    for requirement in named:
        name = re.split(r"[\[<>=;! ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in dev_pins, f"{name} is not in requirements/dev.lock"


def _copy_checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(ROOT / "dev.py", checkout)
    shutil.copy(ROOT / "pyproject.toml", checkout)
    shutil.copytree(ROOT / "requirements", checkout / "requirements")
    return checkout


def test_a_stale_lock_stops_ci_with_the_command_to_refresh_it(tmp_path: Path) -> None:
    """A dependency added to pyproject.toml without `dev.py lock`: under CI=true dev.py
    stops before installing anything and names the command."""
    checkout = _copy_checkout(tmp_path)
    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"python-ulid>=2.2",', '"python-ulid>=2.2",\n    "pyjwt>=2.8",'
        )
    )
    venv = tmp_path / "venv"
    result = subprocess.run(
        [sys.executable, str(checkout / "dev.py"), "test"],
        env=os.environ | {"CI": "true", "HASHLESS_VENV": str(venv)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "requirements/dev.lock, requirements/serve.lock" in result.stderr
    assert "Run `python3 dev.py lock`" in result.stderr
    assert not venv.exists()


def test_only_requirements_make_a_lock_stale(tmp_path: Path) -> None:
    """Editing pyproject's tool settings leaves the locks current."""
    checkout = _copy_checkout(tmp_path)
    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("line-length = 100", "line-length = 99"))
    dev = _dev()
    assert dev.stale_locks(checkout) == []
    pyproject.write_text(pyproject.read_text().replace('"click>=8.1"', '"click>=8.2"'))
    assert dev.stale_locks(checkout) == ["dev", "serve"]


class _Replaced(Exception):
    """``os.execv`` was called: the example would now run inside the environment."""


@pytest.mark.parametrize(
    ("example", "function"),
    [("medusa-v1", "_in_hashless_environment"), ("medusa-v2", "_in_project_environment")],
)
def test_each_example_asks_dev_py_for_an_environment_it_has(
    example: str, function: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An example's one command re-runs itself in dev.py's environment: its call fits
    dev.py's signature and names one of its locks (it once named none, and the command
    failed with a TypeError on every fresh machine)."""
    monkeypatch.syspath_prepend(str(ROOT))
    import dev

    real = dev._ensure_environment
    asked: list[str] = []

    def ensure(*args: object, **kwargs: object) -> None:
        asked.append(str(inspect.signature(real).bind(*args, **kwargs).arguments["lock_name"]))

    def replace_process(*_: object) -> None:
        raise _Replaced

    monkeypatch.setattr(dev, "_ensure_environment", ensure)
    monkeypatch.setattr(dev, "VENV", tmp_path / "venv")
    monkeypatch.setattr(dev, "BIN", tmp_path / "venv" / "bin")
    monkeypatch.setattr(os, "execv", replace_process)
    monkeypatch.setenv("_HASHLESS_RUN", "")
    script = runpy.run_path(str(ROOT / "examples" / example / "run.py"))
    with pytest.raises(_Replaced):
        script[function]()
    assert len(asked) == 1 and asked[0] in dev.LOCKS
