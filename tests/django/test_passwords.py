"""Setting and checking passwords through Django's APIs, views and commands (moto)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from hashless.django.conf import username_for
from hashless.django.markers import is_marker
from hashless.errors import PasswordRejected
from tests.django.support import legacy_user, stored_password

pytestmark = pytest.mark.django_db

OLD = "correct horse battery"
NEW = "a brand new passphrase"
User = get_user_model()


def _logged_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return client


def _is_logged_in(client: Client) -> bool:
    return bool(client.get("/").context["user"].is_authenticated)


def test_password_change_view_checks_and_sets_in_cognito(pool: Any) -> None:
    """PasswordChangeView: the old password is checked by Cognito, the new one set there;
    this session stays, the user's other sessions end (the marker's nonce changed)."""
    ann = legacy_user("ann", OLD)
    client = _logged_in("ann", OLD)
    other = _logged_in("ann", OLD)
    marker = stored_password(ann)
    url = reverse("password_change")

    refused = client.post(
        url, {"old_password": "not it", "new_password1": NEW, "new_password2": NEW}
    )
    assert refused.status_code == 200 and "old_password" in refused.context["form"].errors

    response = client.post(url, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert pool.accepts(ann, NEW) and not pool.accepts(ann, OLD)
    assert is_marker(stored_password(ann)) and stored_password(ann) != marker
    assert _is_logged_in(client)
    assert not _is_logged_in(other)


def test_password_change_of_a_user_still_on_a_legacy_hash(pool: Any) -> None:
    """A session from before hashless: the old password (a Django hash) is verified by
    Django, which moves it to Cognito, and the new password then replaces it there."""
    ann = legacy_user("ann", OLD)
    client = Client()
    client.force_login(ann)

    response = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 302
    assert is_marker(stored_password(ann)) and pool.accepts(ann, NEW)
    assert not pool.accepts(ann, OLD)


def _reset_link(email: str, client: Client) -> str:
    mail.outbox.clear()
    assert client.post(reverse("password_reset"), {"email": email}).status_code == 302
    assert len(mail.outbox) == 1, "Django sends the reset mail: the marker is a usable password"
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("migrated_first", [True, False])
def test_password_reset_confirm_view_sets_the_password_in_cognito(
    pool: Any, migrated_first: bool
) -> None:
    """PasswordResetView mails a link; PasswordResetConfirmView sets the new password in
    Cognito, for a migrated user and for one still on a legacy hash alike."""
    ann = legacy_user("ann", OLD)
    if migrated_first:
        _logged_in("ann", OLD)
    client = Client()
    link = _reset_link(ann.email, client)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 302 and response["Location"] == reverse(
        "password_reset_complete"
    )
    assert is_marker(stored_password(ann)) and pool.accepts(ann, NEW)
    assert not pool.accepts(ann, OLD)
    assert authenticate(username="ann", password=OLD) is None
    assert _logged_in("ann", NEW)
    # The link worked once: the marker changed, so Django's token no longer matches.
    assert not client.get(link, follow=True).context["validlink"]


def test_set_password_and_save_and_check_password(pool: Any) -> None:
    """``set_password()`` + ``save()`` puts the password in Cognito; ``check_password()``
    asks Cognito."""
    ann = legacy_user("ann", OLD)
    ann.set_password(NEW)
    assert not is_marker(ann.password)  # nothing happens before the row is saved
    assert not pool.has_user(ann)
    ann.save()

    assert is_marker(ann.password) and stored_password(ann) == ann.password
    assert pool.accepts(ann, NEW)
    fresh = User.objects.get(pk=ann.pk)
    assert fresh.check_password(NEW) and not fresh.check_password(OLD)
    assert stored_password(ann) == ann.password  # checking never rewrites the marker


def test_check_password_on_a_legacy_user_migrates_through_djangos_upgrade(pool: Any) -> None:
    """``check_password()`` on a legacy user runs Django's hash-upgrade setter, which here
    moves the password to Cognito (through the engine, under the row lock)."""
    ann = legacy_user("ann", OLD)
    assert not ann.check_password("not it")
    assert not is_marker(stored_password(ann))
    assert ann.check_password(OLD)
    assert is_marker(stored_password(ann)) and ann.password == stored_password(ann)
    assert pool.accepts(ann, OLD)


def test_check_password_keeps_a_staff_users_hash(pool: Any) -> None:
    """``check_password()`` on a staff user re-hashes nothing (their sessions survive)."""
    boss = User.objects.create_user("boss", "boss@example.com", OLD, is_staff=True)
    before = stored_password(boss)
    assert before.startswith("pbkdf2_sha256$")
    assert boss.check_password(OLD)
    assert stored_password(boss) == before


def test_create_user_puts_a_customer_in_cognito_at_once(pool: Any) -> None:
    """``create_user`` (``make_password`` before a primary key exists): the row is
    inserted, then moved to Cognito; the instance holds the stored marker."""
    ann = User.objects.create_user("ann", "ann@example.com", OLD)
    assert is_marker(ann.password) and stored_password(ann) == ann.password
    assert pool.accepts(ann, OLD)
    assert authenticate(username="ann", password=OLD) == ann


def test_new_user_with_a_password_cognito_refuses_is_not_created(pool: Any) -> None:
    """A password the store would refuse raises before the INSERT: no row, no Cognito user."""
    with pytest.raises(PasswordRejected):
        User.objects.create_user("ann", "ann@example.com", "short")
    assert not User.objects.filter(username="ann").exists()


def test_signup_form_creates_a_cognito_user(pool: Any) -> None:
    """UserCreationForm (a signup view's form) saves a user whose password is in Cognito."""
    form = UserCreationForm(
        {"username": "ann", "password1": OLD, "password2": OLD, "usable_password": "true"}
    )
    assert form.is_valid(), form.errors
    ann = form.save()
    assert is_marker(stored_password(ann)) and pool.accepts(ann, OLD)


def test_validator_refuses_in_the_form_what_cognito_refuses(pool: Any) -> None:
    """``CognitoPasswordValidator`` turns the store's rules into a form error."""
    ann = legacy_user("ann", OLD)
    client = Client()
    client.force_login(ann)
    response = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": " padded pass ", "new_password2": " padded pass "},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_createsuperuser_stays_local_by_default(pool: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``createsuperuser``: superusers are out of the default scope and keep a local hash."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OLD)
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    root = User.objects.get(username="root")
    assert stored_password(root).startswith("pbkdf2_sha256$") and not pool.has_user(root)
    assert authenticate(username="root", password=OLD) == root


def test_createsuperuser_sets_cognito_when_in_scope(
    pool: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    hashless_settings: dict[str, Any],
) -> None:
    """With ``SCOPE = everyone``, ``createsuperuser`` puts the password in Cognito."""
    settings.HASHLESS = {**hashless_settings, "SCOPE": "hashless.django.scope.everyone"}
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OLD)
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    root = User.objects.get(username="root")
    assert is_marker(stored_password(root)) and pool.accepts(root, OLD)


def test_changepassword_command_sets_the_password_in_cognito(
    pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``manage.py changepassword`` for a customer writes the new password to Cognito."""
    ann = legacy_user("ann", OLD)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", "ann")
    assert is_marker(stored_password(ann)) and pool.accepts(ann, NEW)


def test_unusable_password_deletes_the_cognito_user(pool: Any) -> None:
    """``set_unusable_password()`` on a migrated user removes its Cognito user on commit."""
    ann = User.objects.create_user("ann", "ann@example.com", OLD)
    assert pool.has_user(ann)
    ann.set_unusable_password()
    ann.save()
    # pytest-django wraps the test in a transaction: on_commit runs only when it commits.
    assert pool.has_user(ann)


@pytest.mark.django_db(transaction=True)
def test_unusable_password_deletes_the_cognito_user_after_commit(pool: Any) -> None:
    """Committed, the row no longer points at Cognito and the Cognito user is gone."""
    ann = User.objects.create_user("ann", "ann@example.com", OLD)
    ann.set_unusable_password()
    ann.save()
    assert not pool.has_user(ann)
    assert authenticate(username="ann", password=OLD) is None


@pytest.mark.django_db(transaction=True)
def test_customer_who_becomes_staff(pool: Any) -> None:
    """Migration is one way: a customer made staff keeps the Cognito password until it is
    next set, then gets a local hash and the Cognito user goes."""
    ann = User.objects.create_user("ann", "ann@example.com", OLD)
    ann.is_staff = True
    ann.save()
    assert authenticate(username="ann", password=OLD) == ann
    ann.set_password(NEW)
    ann.save()
    assert stored_password(ann).startswith("pbkdf2_sha256$")
    assert not pool.has_user(ann)
    assert authenticate(username="ann", password=NEW) == ann


def test_user_without_a_usable_email_migrates(memory_store: Any) -> None:
    """Django users need no email: the Cognito user is created without one (a malformed
    address is not passed on either, since Cognito would refuse it)."""
    ann = legacy_user("ann", OLD, email="")
    bob = legacy_user("bob", OLD, email="not-an-address")
    assert authenticate(username="ann", password=OLD) == ann
    assert authenticate(username="bob", password=OLD) == bob
    assert is_marker(stored_password(ann)) and is_marker(stored_password(bob))
    assert memory_store.email_of(username_for(ann.pk)) == ""
    assert memory_store.email_of(username_for(bob.pk)) == ""


def test_admin_change_page_shows_where_the_password_lives(pool: Any) -> None:
    """The admin's user page renders the marker through the hasher's safe summary."""
    User.objects.create_user("boss", "boss@example.com", OLD, is_staff=True, is_superuser=True)
    ann = User.objects.create_user("ann", "ann@example.com", OLD)
    admin = Client()
    admin.post(reverse("admin:login"), {"username": "boss", "password": OLD})
    page = admin.get(reverse("admin:auth_user_change", args=[ann.pk]))
    assert page.status_code == 200
    assert b"Amazon Cognito" in page.content and b"hashless_cognito" in page.content
    assert stored_password(ann).encode() not in page.content  # the nonce stays hidden
