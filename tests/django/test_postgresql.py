"""The whole Django suite again, on PostgreSQL (row locks instead of SQLite's write lock).

Runs when PostgreSQL answers at ``HASHLESS_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); under ``CI=true`` an unreachable
PostgreSQL fails instead of skipping. pytest-django creates a scratch database for the
run (``test_hashless_dj_<random>``) and drops it at the end.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.django.conftest import CUSTOM_USER_RUN, IN_CI, POSTGRES_RUN


@pytest.mark.postgres
@pytest.mark.skipif(CUSTOM_USER_RUN or POSTGRES_RUN, reason="runs from the main SQLite run only")
def test_django_suite_on_postgresql(subprocess_runs: dict[str, Any]) -> None:
    """Every test in tests/django passes with PostgreSQL as the default database."""
    run = subprocess_runs["postgres"]
    if isinstance(run, str):
        message = f"PostgreSQL unreachable for the Django tests: {run}"
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)
    summary = run.wait().strip().splitlines()[-1]
    # Only this file's, the custom-model and the allauth runners skip there (they run
    # from here).
    assert re.search(r"\b4 skipped\b", summary) and " passed" in summary, summary
