"""A shop that logs customers in by email through its own ``ModelBackend`` subclass
(tests/django/email_shop), set up as the README says: every guarantee holds there too."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import checks, mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.django.engine import override_store
from hashless.django.markers import is_marker
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

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"
BACKENDS = [
    "tests.django.email_shop.backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",  # the admin's username login
]
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def email_shop(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.django.email_shop.urls"
    settings.AUTHENTICATION_BACKENDS = BACKENDS


def _customer(email: str, password: str = PASSWORD, **fields: Any) -> Any:
    """A customer with a random username, as such shops make them, on a legacy hash."""
    return legacy_user(get_random_string(30), password, email=email, **fields)


def _login(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


def test_documented_settings_pass_every_check() -> None:
    """``manage.py check`` is clean: the email backend is not reported as one to remove
    (removing it broke every customer login and the sign-up)."""
    assert checks.run_checks() == []
    call_command("check", stdout=StringIO())


def test_legacy_customer_logs_in_by_email_and_moves(client: Client, pool: Any) -> None:
    """A legacy PBKDF2 customer logs in with the email (any case) and moves to Cognito."""
    ann = _customer("ann@example.com", iterations=100_000)
    response = _login(client, "Ann@Example.com", PASSWORD)
    assert response.status_code == 302
    assert is_marker(stored_password(ann)) and pool.accepts(ann, PASSWORD)
    assert client.get("/").context["user"].pk == ann.pk
    assert _login(Client(), "ann@example.com", PASSWORD).status_code == 302  # by Cognito now
    assert _login(Client(), "ann@example.com", "wrong password").status_code == 200


def test_signup_logs_the_new_customer_in_by_email(client: Client, pool: Any) -> None:
    """The shop's sign-up creates the user (password into Cognito) and logs in by email."""
    response = client.post("/accounts/signup/", {"email": "new@example.com", "password": NEW})
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert is_marker(stored_password(user)) and pool.accepts(user, NEW)
    assert client.get("/").context["user"].pk == user.pk


def test_password_change_and_reset_by_the_emailed_link(client: Client, pool: Any) -> None:
    """Django's password change (old password checked by Cognito) and reset by email."""
    ann = _customer("ann@example.com")
    assert _login(client, "ann@example.com", PASSWORD).status_code == 302
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and pool.accepts(ann, NEW)

    reset = "another fresh passphrase"
    assert (
        Client().post("/accounts/password_reset/", {"email": "ann@example.com"}).status_code == 302
    )
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body)
    assert link is not None
    visitor = Client()
    form_url = visitor.get(link[1])["Location"]
    response = visitor.post(form_url, {"new_password1": reset, "new_password2": reset})
    assert response.status_code == 302
    assert pool.accepts(ann, reset) and not pool.accepts(ann, NEW)
    assert _login(Client(), "ann@example.com", reset).status_code == 302


@pytest.mark.parametrize("where", ["shop", "admin"])
def test_staff_login_hashes_once_and_writes_no_password(
    client: Client, pool: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Staff keep their local hash: one PBKDF2 per login and no password UPDATE, whether
    the email backend (the shop's form) or ModelBackend (the admin, by username) finds
    them (Django saw every local hash as outdated: three PBKDF2s and a write)."""
    boss = legacy_user("boss", PASSWORD, email="boss@example.com", is_staff=True)
    before = stored_password(boss)
    calls = HashCalls(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        if where == "shop":
            response = _login(client, "boss@example.com", PASSWORD)
        else:
            response = client.post(
                "/admin/login/", {"username": "boss", "password": PASSWORD, "next": "/admin/"}
            )
    assert response.status_code == 302
    assert (calls.verify, calls.encode) == (1, 0)
    assert password_writes(queries.captured_queries) == []
    assert stored_password(boss) == before and not pool.has_user(boss)


def test_long_password_fails_without_work(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """More than 256 characters (Cognito's ceiling) fails, even if the legacy hash is of
    exactly that password, and the hash is never checked."""
    long = "x" * 300
    _customer("ann@example.com", password=long)
    calls = HashCalls(monkeypatch)
    assert _login(client, "ann@example.com", long).status_code == 200
    assert calls.verify == 0


def test_outage_is_the_error_page_for_everyone(memory_store: InMemoryCredentialStore) -> None:
    """Cognito failing while a migrated customer logs in: 503, not "wrong password"; right
    after, an unknown email and a legacy customer's wrong password get the 503 too."""
    User.objects.create_user("x" * 20, "ann@example.com", PASSWORD)
    bob = _customer("bob@example.com")
    before = stored_password(bob)
    memory_store.fail_next("check", CredentialStoreUnavailable("check", "timeout", 5))
    response = _login(Client(), "ann@example.com", PASSWORD)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert _login(Client(), "nobody@example.com", PASSWORD).status_code == 503
    assert _login(Client(), "bob@example.com", "wrong password").status_code == 503
    assert stored_password(bob) == before
    login_timing.reset()
    assert _login(Client(), "nobody@example.com", PASSWORD).status_code == 200


def _timing_users() -> None:
    legacy = legacy_hash(PASSWORD, timing_harness.LEGACY_ITERATIONS)
    count = timing_harness.WARM_UP + timing_harness.SAMPLES
    User.objects.bulk_create(
        User(username=get_random_string(30), email=f"legacy-{i}@example.com", password=legacy)
        for i in range(count)
    )
    for i in range(count):
        User.objects.create_user(get_random_string(30), f"migrated-{i}@example.com", PASSWORD)


def _form(kind: str, i: int) -> dict[str, str]:
    return {"username": f"{kind}-{i}@example.com", "password": timing_harness.WRONG}


KINDS = ["unknown", "legacy", "migrated"]


def test_failed_login_medians_differ_by_less_than_5_percent(
    settings: Any, hashless_settings: dict[str, Any]
) -> None:
    """Unknown email (the backend hashes nothing), legacy PBKDF2 customer and migrated
    customer (40 ms Cognito), through the shop's login form: medians within 5 %."""
    settings.HASHLESS = {**hashless_settings, "LOGIN_FLOOR_SECONDS": 0.05}
    with override_store(timing_harness.SlowCognito()):
        _timing_users()
        times = timing_harness.measure(LOGIN, KINDS, _form)
    _, spread, report = timing_harness.medians(times)
    print(f"\nemail shop failed-login medians: {report}")
    assert spread < 0.05, report


def test_without_padding_the_paths_are_told_apart(
    settings: Any, hashless_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same measurement without hashless' padding shows the leak it closes."""
    settings.HASHLESS = {**hashless_settings, "LOGIN_FLOOR_SECONDS": 0.05}
    timing_harness.no_padding(monkeypatch)
    with override_store(timing_harness.SlowCognito()):
        _timing_users()
        times = timing_harness.measure(LOGIN, KINDS, _form, samples=20)
    found, _, report = timing_harness.medians(times)
    print(f"\nemail shop failed-login medians, unpadded: {report}")
    assert found["legacy"] / found["unknown"] - 1 > 0.5, report
    assert found["migrated"] / found["unknown"] - 1 > 0.5, report
