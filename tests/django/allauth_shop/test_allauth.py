"""django-allauth's own views and backend, with hashless: every guarantee holds."""

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
LOGIN = "/accounts/login/"


def _login(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"login": email, "password": password})


def test_documented_settings_pass_every_check() -> None:
    """``manage.py check`` (allauth's checks and hashless' included) is clean."""
    assert checks.run_checks() == []
    call_command("check", stdout=StringIO())


def test_allauth_by_username_makes_model_backend_redundant(settings: Any) -> None:
    """With allauth logging in by username too, its backend serves the admin: W002 says to
    remove ModelBackend, never allauth's backend."""
    settings.ACCOUNT_LOGIN_METHODS = {"username", "email"}
    found = {m.id: m for m in checks.run_checks(tags=["hashless"])}
    assert found["hashless.W002"].hint.startswith(
        "Remove django.contrib.auth.backends.ModelBackend:"
    )


def test_legacy_customer_logs_in_by_email_and_moves(client: Client, pool: Any) -> None:
    """allauth's login form, by email: the legacy PBKDF2 hash gives way to Cognito."""
    ann = shop_flows.customer("ann@example.com", iterations=100_000)
    assert _login(client, "ann@example.com", PASSWORD).status_code == 302
    assert is_marker(stored_password(ann)) and pool.accepts(ann, PASSWORD)
    assert client.get("/").context["user"].pk == ann.pk
    assert _login(Client(), "ann@example.com", PASSWORD).status_code == 302
    assert _login(Client(), "ann@example.com", "wrong password").status_code == 200


def test_signup_puts_the_password_in_cognito(client: Client, pool: Any) -> None:
    """allauth's sign-up creates the user, its password goes to Cognito, and it is in."""
    response = client.post(
        "/accounts/signup/", {"email": "new@example.com", "password1": NEW, "password2": NEW}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert is_marker(stored_password(user)) and pool.accepts(user, NEW)
    assert client.get("/").context["user"].pk == user.pk


def test_password_change_and_reset_by_the_emailed_link(client: Client, pool: Any) -> None:
    """allauth's password change (old password checked by Cognito) and its reset by the
    emailed key."""
    ann = shop_flows.customer("ann@example.com")
    assert _login(client, "ann@example.com", PASSWORD).status_code == 302
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302 and pool.accepts(ann, NEW)
    wrong = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not it", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert wrong.status_code == 200 and pool.accepts(ann, NEW)

    reset = "another fresh passphrase"
    visitor = Client()
    assert (
        visitor.post("/accounts/password/reset/", {"email": "ann@example.com"}).status_code == 302
    )
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link is not None
    form_url = visitor.get(link[1])["Location"]
    response = visitor.post(form_url, {"password1": reset, "password2": reset})
    assert response.status_code == 302
    assert pool.accepts(ann, reset) and not pool.accepts(ann, NEW)
    assert _login(Client(), "ann@example.com", reset).status_code == 302


@pytest.mark.parametrize("where", ["allauth", "admin"])
def test_staff_login_hashes_once_and_writes_no_password(
    pool: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Staff keep their local hash: one PBKDF2 per login and no password UPDATE, through
    allauth's form (by email) or the admin (ModelBackend, by username)."""
    shop_flows.staff_login(_login, where, monkeypatch, pool)


def test_long_password_fails_without_checking_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """More than 256 characters fails even against a legacy hash of that very password."""
    shop_flows.long_password(_login, monkeypatch)


def test_outage_is_the_error_page_for_everyone(memory_store: InMemoryCredentialStore) -> None:
    """Cognito failing for a migrated customer: 503, not "wrong password"; right after,
    an unknown email and a legacy customer's wrong password get the 503 too."""
    shop_flows.outage_for_everyone(_login, memory_store)


def test_failed_login_medians_differ_by_less_than_5_percent(
    settings: Any, hashless_settings: dict[str, Any]
) -> None:
    """Unknown email (allauth hashes a dummy password), legacy PBKDF2 customer and
    migrated customer (40 ms Cognito), through allauth's login form: medians within 5 %."""
    _, spread = shop_flows.failed_login_medians(
        "allauth", LOGIN, "login", settings, hashless_settings
    )
    assert spread < 0.05


def test_without_padding_the_paths_are_told_apart(
    settings: Any, hashless_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same measurement without hashless' padding shows the leak it closes."""
    timing_harness.no_padding(monkeypatch)
    found, _ = shop_flows.failed_login_medians(
        "allauth, unpadded", LOGIN, "login", settings, hashless_settings, samples=20
    )
    assert found["migrated"] / found["unknown"] - 1 > 0.5
