"""Logging in through Django's real views migrates legacy users into Cognito (moto)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from hashless.django.conf import username_for
from hashless.django.markers import is_marker, marker_username
from tests.django.support import legacy_user, stored_password

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def test_legacy_user_logs_in_through_login_view_and_moves_to_cognito(
    client: Client, pool: Any
) -> None:
    """A default-cost pbkdf2_sha256 user logs in via LoginView; the hash gives way to a marker.

    The password is in Cognito before the marker is written, the marker holds nothing
    derived from the password, and the session is valid on the next request.
    """
    ann = legacy_user("ann", PASSWORD, iterations=1_000_000)
    assert stored_password(ann).startswith("pbkdf2_sha256$1000000$")

    response = _login(client, "ann", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/"
    marker = stored_password(ann)
    assert is_marker(marker) and marker_username(marker) == username_for(ann.pk)
    assert PASSWORD not in marker and "pbkdf2" not in marker
    assert pool.has_user(ann) and pool.accepts(ann, PASSWORD)
    assert client.get("/").context["user"].pk == ann.pk  # the session survived the move


def test_migrated_user_is_checked_by_cognito(client: Client, pool: Any) -> None:
    """After the move, the right password opens the account and a wrong one does not."""
    ann = legacy_user("ann", PASSWORD)
    assert authenticate(username="ann", password=PASSWORD) is not None
    marker = stored_password(ann)

    assert _login(client, "ann", PASSWORD).status_code == 302
    wrong = _login(Client(), "ann", "not the password")
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert stored_password(ann) == marker  # a login of a migrated user changes nothing


def test_wrong_password_of_legacy_user_changes_nothing(client: Client, pool: Any) -> None:
    """A wrong password shows the form error and leaves the legacy hash and Cognito alone."""
    ann = legacy_user("ann", PASSWORD)
    before = stored_password(ann)

    response = _login(client, "ann", "not the password")

    assert response.status_code == 200 and response.context["form"].errors
    assert stored_password(ann) == before
    assert not pool.has_user(ann)


def test_unknown_user_and_wrong_password_get_the_same_answer(client: Client, pool: Any) -> None:
    """Unknown usernames and wrong passwords render the same form error."""
    legacy_user("ann", PASSWORD)
    unknown = _login(Client(), "nobody", PASSWORD)
    wrong = _login(Client(), "ann", "not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_staff_user_keeps_a_local_password(client: Client, pool: Any) -> None:
    """Staff (out of the default scope) log in to the admin locally; nothing goes to Cognito."""
    boss = legacy_user("boss", PASSWORD, is_staff=True)
    before = stored_password(boss)

    response = client.post(
        reverse("admin:login"), {"username": "boss", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert stored_password(boss) == before
    assert not pool.has_user(boss)


def test_admin_login_migrates_staff_when_the_scope_includes_them(
    client: Client, pool: Any, settings: Any, hashless_settings: dict[str, Any]
) -> None:
    """With ``SCOPE = everyone`` a staff user's first admin login moves the password too."""
    settings.HASHLESS = {**hashless_settings, "SCOPE": "hashless.django.scope.everyone"}
    boss = legacy_user("boss", PASSWORD, is_staff=True, is_superuser=True)

    response = client.post(
        reverse("admin:login"), {"username": "boss", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302
    assert is_marker(stored_password(boss)) and pool.accepts(boss, PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_customer_moves_even_when_the_admin_turns_them_away(client: Client, pool: Any) -> None:
    """A customer logging in at the admin is refused (not staff) but the password is right:
    Django's AdminAuthenticationForm authenticates first, so the move happens."""
    ann = legacy_user("ann", PASSWORD)
    response = client.post(
        reverse("admin:login"), {"username": "ann", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert is_marker(stored_password(ann))


def test_inactive_user_cannot_log_in(client: Client, pool: Any) -> None:
    """``is_active=False`` is refused as ModelBackend refuses it."""
    legacy_user("ann", PASSWORD, is_active=False)
    assert _login(client, "ann", PASSWORD).status_code == 200


@pytest.mark.skipif(
    "rest_framework" not in __import__("django.conf").conf.settings.INSTALLED_APPS,
    reason="Django REST framework is not installed",
)
def test_drf_session_and_basic_auth(client: Client, pool: Any) -> None:
    """DRF's SessionAuthentication rides on the Django login; BasicAuthentication migrates."""
    legacy_user("ann", PASSWORD)
    bob = legacy_user("bob", PASSWORD)
    assert client.get("/api/me/").status_code == 403
    _login(client, "ann", PASSWORD)
    assert client.get("/api/me/").json() == {"username": "ann"}

    basic = base64.b64encode(f"bob:{PASSWORD}".encode()).decode()
    response = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200 and response.json() == {"username": "bob"}
    assert is_marker(stored_password(bob)) and pool.accepts(bob, PASSWORD)
    wrong = base64.b64encode(b"bob:wrong password").decode()
    assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Basic {wrong}").status_code in {401, 403}


def test_long_password_is_refused_without_work(client: Client, memory_store: Any) -> None:
    """More than 256 characters (Cognito's ceiling) fails before any hashing or store call."""
    legacy_user("ann", PASSWORD)
    assert authenticate(username="ann", password="x" * 257) is None
    assert memory_store.calls == []


def test_async_authenticate_migrates_too(pool: Any) -> None:
    """``aauthenticate`` (async views) runs the same login in a worker thread."""
    from asgiref.sync import async_to_sync
    from django.contrib.auth import aauthenticate

    ann = legacy_user("ann", PASSWORD)
    assert async_to_sync(aauthenticate)(username="ann", password=PASSWORD) == ann
    assert is_marker(stored_password(ann)) and pool.accepts(ann, PASSWORD)
