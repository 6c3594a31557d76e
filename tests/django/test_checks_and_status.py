"""``manage.py check`` names what is missing and how to fix it; ``hashless_status`` counts."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.management import call_command

from tests.django.support import legacy_user

User = get_user_model()
PASSWORD = "correct horse battery"


def _hashless_messages() -> dict[str, checks.CheckMessage]:
    return {m.id: m for m in checks.run_checks(tags=["hashless"]) if m.id}


def test_sample_project_passes_every_check() -> None:
    """The sample shop's settings (as the tests use them) raise no check at all."""
    assert checks.run_checks() == []
    call_command("check", stdout=StringIO())


@pytest.mark.parametrize(
    ("hashless", "fragment"),
    [
        (None, "the HASHLESS setting is missing"),
        ({"COGNITO_CLIENT_ID": "abc"}, "COGNITO_USER_POOL_ID is not set"),
        (
            {"COGNITO_USER_POOL_ID": "my-pool", "COGNITO_CLIENT_ID": "abc"},
            "not a pool id",
        ),
        (
            {
                "COGNITO_USER_POOL_ID": "eu-west-1_AbC123",
                "COGNITO_CLIENT_ID": "abc",
                "COGNITO_REGION": "us-east-1",
            },
            "COGNITO_REGION=us-east-1 but the pool id is in eu-west-1",
        ),
        (
            {
                "COGNITO_USER_POOL_ID": "eu-west-1_AbC123",
                "COGNITO_CLIENT_ID": "abc",
                "SCOPE": "no.such.scope",
            },
            "HASHLESS['SCOPE']='no.such.scope' cannot be imported",
        ),
    ],
)
def test_wrong_settings_are_errors_with_a_hint(
    settings: Any, hashless: dict[str, Any] | None, fragment: str
) -> None:
    """Missing or wrong HASHLESS values: hashless.E001, naming the key, with a hint."""
    if hashless is None:
        del settings.HASHLESS
    else:
        settings.HASHLESS = hashless
    message = _hashless_messages()["hashless.E001"]
    assert fragment in message.msg and message.hint


def test_unknown_key_is_a_warning(settings: Any, hashless_settings: dict[str, Any]) -> None:
    """A misspelt key (``USERNAME_PREFX``) is reported instead of silently ignored."""
    settings.HASHLESS = {**hashless_settings, "USERNAME_PREFX": "x-"}
    assert "USERNAME_PREFX" in _hashless_messages()["hashless.W001"].msg


def test_hasher_must_come_first_with_a_local_one_after(settings: Any) -> None:
    """PASSWORD_HASHERS without CognitoPasswordHasher first (E002) or without a local
    hasher after it (E003)."""
    first = "hashless.django.hashers.CognitoPasswordHasher"
    local = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    settings.PASSWORD_HASHERS = [local, first]
    assert "is not first in" in _hashless_messages()["hashless.E002"].msg
    settings.PASSWORD_HASHERS = [local]
    assert "is missing from" in _hashless_messages()["hashless.E002"].msg
    settings.PASSWORD_HASHERS = [first]
    assert "hashless.E003" in _hashless_messages()


COGNITO_BACKEND = "hashless.django.backends.CognitoBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
EMAIL_BACKEND = "tests.django.email_shop.backends.EmailBackend"


@pytest.mark.parametrize(
    "backends",
    [
        [COGNITO_BACKEND],
        [MODEL_BACKEND],
        [EMAIL_BACKEND],
        # A project's email login, with ModelBackend for the admin's username login.
        [EMAIL_BACKEND, MODEL_BACKEND],
    ],
)
def test_every_password_backend_is_accepted(settings: Any, backends: list[str]) -> None:
    """hashless' guarantees live in ``user.check_password()``, so CognitoBackend,
    ModelBackend and an email-login subclass, alone or beside ModelBackend, all pass the
    checks (W002 used to tell such projects to drop the backend their logins need).
    django-allauth's backend: tests/django/allauth_shop."""
    settings.AUTHENTICATION_BACKENDS = backends
    assert _hashless_messages() == {}


def test_two_backends_with_the_same_lookup_are_a_warning(settings: Any) -> None:
    """CognitoBackend beside ModelBackend finds the same users twice: W002 names the one
    to remove, and removing it leaves a backend that logs those users in."""
    settings.AUTHENTICATION_BACKENDS = [COGNITO_BACKEND, MODEL_BACKEND]
    message = _hashless_messages()["hashless.W002"]
    assert message.hint.startswith(f"Remove {MODEL_BACKEND}:")


def test_no_password_backend_is_a_warning(settings: Any) -> None:
    """A list without any ModelBackend-based backend: W004 says what hashless relies on."""
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.BaseBackend"]
    assert "user.check_password()" in _hashless_messages()["hashless.W004"].hint


def test_missing_validator_is_a_warning(settings: Any) -> None:
    """Without CognitoPasswordValidator, W003 explains what goes wrong and how to fix it."""
    settings.AUTH_PASSWORD_VALIDATORS = []
    assert "CognitoPasswordValidator" in _hashless_messages()["hashless.W003"].hint


def test_long_username_prefix_is_an_error(settings: Any, hashless_settings: dict[str, Any]) -> None:
    """A prefix that would not fit a UUID's marker in ``password`` (128 characters): E005."""
    settings.HASHLESS = {**hashless_settings, "USERNAME_PREFIX": "p" * 80}
    assert "hashless.E005" in _hashless_messages()


@pytest.mark.django_db
def test_hashless_status_counts_the_migration(memory_store: Any) -> None:
    """``hashless_status`` reports users by where their password lives, legacy hashes by
    algorithm, and ``--ping`` checks that the credential store answers."""
    legacy_user("ann", PASSWORD)
    legacy_user("bob", PASSWORD)
    legacy_user("boss", PASSWORD, is_staff=True)
    User.objects.create_user("cat", "cat@example.com", PASSWORD)
    User.objects.create_user("dan", "dan@example.com")  # no password

    out = StringIO()
    call_command("hashless_status", "--json", "--ping", stdout=out)
    status = json.loads(out.getvalue())

    assert status == {
        "user_model": "auth.User",
        "total": 5,
        "cognito": 1,
        "legacy": 2,
        "local": 1,
        "none": 1,
        "legacy_formats": {"pbkdf2_sha256": 2},
        "ping": "ok",
    }
    text = StringIO()
    call_command("hashless_status", stdout=text)
    assert "legacy hash, moves at login" in text.getvalue() and "pbkdf2_sha256" in text.getvalue()


@pytest.mark.django_db
def test_hashless_status_ping_reaches_moto(pool: Any) -> None:
    """``--ping`` against the moto pool the tests use (client secret and all)."""
    out = StringIO()
    call_command("hashless_status", "--json", "--ping", stdout=out)
    assert json.loads(out.getvalue())["ping"] == "ok"
