"""hashless under django-allauth: tests/django/allauth_shop, in a process of its own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.django.conftest import ALLAUTH_RUN, CUSTOM_USER_RUN, POSTGRES_RUN

pytestmark = pytest.mark.skipif(
    CUSTOM_USER_RUN or POSTGRES_RUN or ALLAUTH_RUN, reason="runs from the main SQLite run only"
)


def test_allauth_shop(subprocess_runs: dict[str, Any]) -> None:
    """allauth's login by email, sign-up, password change and reset, staff, outages,
    ``manage.py check`` and failed-login timing (tests/django/allauth_shop) all pass."""
    output = subprocess_runs["allauth"].wait()
    for line in output.splitlines():
        if "failed-login medians" in line:
            print(line)
