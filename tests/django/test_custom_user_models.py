"""hashless works with custom user models, with no change to their tables."""

from __future__ import annotations

from typing import Any

import pytest

from tests.django.conftest import CUSTOM_USER_MODELS, CUSTOM_USER_RUN, POSTGRES_RUN

pytestmark = pytest.mark.skipif(
    CUSTOM_USER_RUN or POSTGRES_RUN, reason="runs from the main SQLite run only"
)


@pytest.mark.parametrize("user_model", CUSTOM_USER_MODELS)
def test_flows_with_a_custom_user_model(subprocess_runs: dict[str, Any], user_model: str) -> None:
    """tests/django/custom (login migration, create/set/check, delete, staff scope) passes
    with ``AUTH_USER_MODEL`` set to each sample model, in a process of its own."""
    subprocess_runs[user_model].wait()
