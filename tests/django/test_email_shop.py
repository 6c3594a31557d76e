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
from django.test import Client

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.django.markers import is_marker
from tests.django import shop_flows, timing_harness
from tests.django.support import (
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


def _login(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


def test_documented_settings_pass_every_check() -> None:
    """``manage.py check`` is clean: the email backend is not reported as one to remove
    (removing it broke every customer login and the sign-up)."""
    assert checks.run_checks() == []
    call_command("check", stdout=StringIO())


def test_legacy_customer_logs_in_by_email_and_moves(client: Client, pool: Any) -> None:
    """A legacy PBKDF2 customer logs in with the email (any case) and moves to Cognito."""
    ann = shop_flows.customer("ann@example.com", iterations=100_000)
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
    ann = shop_flows.customer("ann@example.com")
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
    pool: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Staff keep their local hash: one PBKDF2 per login and no password UPDATE, whether
    the email backend (the shop's form) or ModelBackend (the admin, by username) finds
    them (Django saw every local hash as outdated: three PBKDF2s and a write)."""
    shop_flows.staff_login(_login, where, monkeypatch, pool)


def test_long_password_fails_without_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """More than 256 characters (Cognito's ceiling) fails, even if the legacy hash is of
    exactly that password, and the hash is never checked."""
    shop_flows.long_password(_login, monkeypatch)


def test_outage_is_the_error_page_for_everyone(memory_store: InMemoryCredentialStore) -> None:
    """Cognito failing while a migrated customer logs in: 503, not "wrong password"; right
    after, an unknown email and a legacy customer's wrong password get the 503 too."""
    shop_flows.outage_for_everyone(_login, memory_store)


def test_failed_login_medians_differ_by_less_than_5_percent(
    settings: Any, hashless_settings: dict[str, Any]
) -> None:
    """Unknown email (the backend hashes nothing), legacy PBKDF2 customer and migrated
    customer (40 ms Cognito), through the shop's login form: medians within 5 %."""
    _, spread = shop_flows.failed_login_medians(
        "email shop", LOGIN, "username", settings, hashless_settings
    )
    assert spread < 0.05


def test_without_padding_the_paths_are_told_apart(
    settings: Any, hashless_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same measurement without hashless' padding shows the leak it closes."""
    timing_harness.no_padding(monkeypatch)
    found, _ = shop_flows.failed_login_medians(
        "email shop, unpadded", LOGIN, "username", settings, hashless_settings, samples=20
    )
    assert found["legacy"] / found["unknown"] - 1 > 0.5
    assert found["migrated"] / found["unknown"] - 1 > 0.5
