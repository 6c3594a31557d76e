"""System checks (``manage.py check``): every setting hashless needs, with the fix.

None of them calls Cognito; ``manage.py hashless_status --ping`` does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.utils.module_loading import import_string

from hashless.django.conf import KNOWN_KEYS, load_settings, username_for
from hashless.django.hashers import HASHER_PATH, CognitoPasswordHasher
from hashless.django.markers import MAX_LENGTH, marker_length
from hashless.errors import ConfigurationError

__all__ = ["register"]

TAG = "hashless"
BACKEND_PATH = "hashless.django.backends.CognitoBackend"
VALIDATOR_PATH = "hashless.django.validators.CognitoPasswordValidator"


def register() -> None:
    checks.register(check_settings, TAG)
    checks.register(check_hashers, TAG)
    checks.register(check_backends, TAG)
    checks.register(check_validators, TAG)
    checks.register(check_user_model, TAG)


def check_settings(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    raw = getattr(settings, "HASHLESS", None)
    try:
        config = load_settings(raw)
    except ConfigurationError as exc:
        return [
            checks.Error(
                f"hashless settings: {exc}",
                hint="Set HASHLESS = {'COGNITO_USER_POOL_ID': 'eu-west-1_AbC123', "
                "'COGNITO_CLIENT_ID': '...'} in settings.py; `hashless provision` makes a pool "
                "and prints the values.",
                id="hashless.E001",
            )
        ]
    del config  # only checked here
    messages: list[checks.CheckMessage] = []
    unknown = sorted(set(raw) - KNOWN_KEYS) if isinstance(raw, dict) else []
    if unknown:
        messages.append(
            checks.Warning(
                f"HASHLESS has unknown keys: {', '.join(unknown)}",
                hint=f"Known keys: {', '.join(sorted(KNOWN_KEYS))}.",
                id="hashless.W001",
            )
        )
    return messages


def _classes(paths: list[str]) -> list[Any]:
    """The imported classes; None for a path that does not import (Django reports it)."""
    found: list[Any] = []
    for path in paths:
        try:
            found.append(import_string(path))
        except ImportError:
            found.append(None)
    return found


def check_hashers(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    paths = list(getattr(settings, "PASSWORD_HASHERS", []))
    classes = _classes(paths)
    messages: list[checks.CheckMessage] = []
    fix = (
        f"PASSWORD_HASHERS = [{HASHER_PATH!r}, "
        "'django.contrib.auth.hashers.PBKDF2PasswordHasher', ...Django's others]"
    )
    if not classes or not (
        isinstance(classes[0], type) and issubclass(classes[0], CognitoPasswordHasher)
    ):
        where = "is missing from" if HASHER_PATH not in paths else "is not first in"
        messages.append(
            checks.Error(
                f"{HASHER_PATH} {where} PASSWORD_HASHERS",
                hint=f"It must come first: it sees every new password. {fix}",
                id="hashless.E002",
            )
        )
        return messages
    if not any(
        cls is not None and not issubclass(cls, CognitoPasswordHasher) for cls in classes[1:]
    ):
        messages.append(
            checks.Error(
                "PASSWORD_HASHERS has no local hasher after CognitoPasswordHasher",
                hint="Staff keep local passwords and legacy hashes are verified by Django's own "
                f"hashers: {fix}",
                id="hashless.E003",
            )
        )
    return messages


def check_backends(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    from django.contrib.auth.backends import ModelBackend

    from hashless.django.backends import CognitoBackend

    paths = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    classes = _classes(paths)
    messages: list[checks.CheckMessage] = []
    if not any(isinstance(c, type) and issubclass(c, CognitoBackend) for c in classes):
        messages.append(
            checks.Error(
                f"{BACKEND_PATH} is not in AUTHENTICATION_BACKENDS",
                hint=f"AUTHENTICATION_BACKENDS = [{BACKEND_PATH!r}] (it replaces "
                "django.contrib.auth.backends.ModelBackend and keeps its permissions).",
                id="hashless.E004",
            )
        )
    plain = [
        path
        for path, cls in zip(paths, classes, strict=True)
        if isinstance(cls, type)
        and issubclass(cls, ModelBackend)
        and not issubclass(cls, CognitoBackend)
    ]
    if plain:
        messages.append(
            checks.Warning(
                f"AUTHENTICATION_BACKENDS also lists {', '.join(plain)}",
                hint=f"Remove it: every failed login would be checked twice, and its dummy "
                f"hashing for unknown users makes logins of unknown and migrated users take "
                f"different times. {BACKEND_PATH} already does what ModelBackend does.",
                id="hashless.W002",
            )
        )
    return messages


def check_validators(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    names = [entry.get("NAME") for entry in getattr(settings, "AUTH_PASSWORD_VALIDATORS", [])]
    if VALIDATOR_PATH in names:
        return []
    return [
        checks.Warning(
            f"{VALIDATOR_PATH} is not in AUTH_PASSWORD_VALIDATORS",
            hint="Without it a password Cognito refuses (too short, surrounding spaces) passes "
            "the password forms and fails when the user is saved. Add "
            f"{{'NAME': {VALIDATOR_PATH!r}}}.",
            id="hashless.W003",
        )
    ]


def check_user_model(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    model = get_user_model()
    field = model._meta.get_field("password")
    limit = getattr(field, "max_length", None) or MAX_LENGTH
    try:
        # A long primary key (a UUID is 36 characters) must still fit the marker.
        sample = username_for("0" * 36)
    except ConfigurationError:
        return []  # reported by check_settings
    if marker_length(sample) > limit:
        return [
            checks.Error(
                f"{model._meta.label}.password (max_length={limit}) cannot hold hashless' "
                f"marker for long primary keys ({marker_length(sample)} characters)",
                hint="Shorten HASHLESS['USERNAME_PREFIX'].",
                id="hashless.E005",
            )
        ]
    return []
