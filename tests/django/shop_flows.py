"""The flows both email-login test shops (email_shop, allauth_shop) must pass, given how
each one's login form is posted: ``login(client, email, password) -> response``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.django.engine import override_store
from hashless.django.timing import login_timing
from hashless.errors import CredentialStoreUnavailable
from tests.django import timing_harness
from tests.django.support import (
    HashCalls,
    legacy_hash,
    legacy_user,
    password_writes,
    stored_password,
)

PASSWORD = "correct horse battery"
KINDS = ["unknown", "legacy", "migrated"]

Login = Callable[[Client, str, str], Any]


def customer(email: str, password: str = PASSWORD, **fields: Any) -> Any:
    """A customer with a random username, as such shops make them, on a legacy hash."""
    return legacy_user(get_random_string(30), password, email=email, **fields)


def staff_login(login: Login, where: str, monkeypatch: pytest.MonkeyPatch, pool: Any) -> None:
    """One PBKDF2, no new hash and no password UPDATE, by the shop's form or the admin's."""
    boss = legacy_user("boss", PASSWORD, email="boss@example.com", is_staff=True)
    before = stored_password(boss)
    calls = HashCalls(monkeypatch)
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        if where == "admin":
            response = client.post(
                "/admin/login/", {"username": "boss", "password": PASSWORD, "next": "/admin/"}
            )
        else:
            response = login(client, "boss@example.com", PASSWORD)
    assert response.status_code == 302
    assert (calls.verify, calls.encode) == (1, 0)
    assert password_writes(queries.captured_queries) == []
    assert stored_password(boss) == before and not pool.has_user(boss)


def long_password(login: Login, monkeypatch: pytest.MonkeyPatch) -> None:
    """300 characters fail, even against a legacy hash of them, and the hash is not checked."""
    long = "x" * 300
    customer("ann@example.com", password=long)
    calls = HashCalls(monkeypatch)
    assert login(Client(), "ann@example.com", long).status_code == 200
    assert calls.verify == 0


def outage_for_everyone(login: Login, memory_store: InMemoryCredentialStore) -> None:
    """A migrated customer during an outage: 503; right after, an unknown email and a
    legacy customer's wrong password too, and no row changes."""
    get_user_model()._default_manager.create_user(  # type: ignore[attr-defined]
        "x" * 20, "ann@example.com", PASSWORD
    )
    bob = customer("bob@example.com")
    before = stored_password(bob)
    memory_store.fail_next("check", CredentialStoreUnavailable("check", "timeout", 5))
    response = login(Client(), "ann@example.com", PASSWORD)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert login(Client(), "nobody@example.com", PASSWORD).status_code == 503
    assert login(Client(), "bob@example.com", "wrong password").status_code == 503
    assert stored_password(bob) == before
    login_timing.reset()
    assert login(Client(), "nobody@example.com", PASSWORD).status_code == 200


def _timing_users() -> None:
    model: Any = get_user_model()
    legacy = legacy_hash(PASSWORD, timing_harness.LEGACY_ITERATIONS)
    count = timing_harness.WARM_UP + timing_harness.SAMPLES
    model._default_manager.bulk_create(
        model(username=get_random_string(30), email=f"legacy-{i}@example.com", password=legacy)
        for i in range(count)
    )
    for i in range(count):
        model._default_manager.create_user(
            get_random_string(30), f"migrated-{i}@example.com", PASSWORD
        )


def failed_login_medians(
    label: str,
    url: str,
    field: str,
    settings: Any,
    hashless_settings: dict[str, Any],
    samples: int = timing_harness.SAMPLES,
) -> tuple[dict[str, float], float]:
    """Medians and spread of unknown / legacy / migrated failed logins posted to ``url``
    (the email in ``field``), with a 40 ms Cognito and the default floor."""
    settings.HASHLESS = {**hashless_settings, "LOGIN_FLOOR_SECONDS": timing_harness.FLOOR_SECONDS}

    def form(kind: str, i: int) -> dict[str, str]:
        return {field: f"{kind}-{i}@example.com", "password": timing_harness.WRONG}

    with override_store(timing_harness.SlowCognito()):
        _timing_users()
        times = timing_harness.measure(url, KINDS, form, samples=samples)
    found, spread, report = timing_harness.medians(times)
    print(f"\n{label} failed-login medians: {report}")
    return found, spread
