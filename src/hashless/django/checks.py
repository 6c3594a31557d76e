"""System checks (``manage.py check``): every setting hashless needs, with the fix.

None of them calls Cognito; ``manage.py hashless_status --ping`` does.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.utils.module_loading import import_string

from hashless.django.checking import overrides_check
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


ALLAUTH_BACKEND_PATH = "allauth.account.auth_backends.AuthenticationBackend"


def _finds_by_username(cls: Any) -> bool:
    """A backend that looks users up as ``ModelBackend`` does, by ``USERNAME_FIELD``."""
    from django.contrib.auth.backends import ModelBackend

    from hashless.django.backends import CognitoBackend

    if not isinstance(cls, type) or not issubclass(cls, ModelBackend):
        return False
    if cls.authenticate in (ModelBackend.authenticate, CognitoBackend.authenticate):
        return True
    return _is_allauth(cls) and _allauth_logs_in_by_username()


def _is_allauth(cls: Any) -> bool:
    # Its backend can be imported only with its app installed.
    if not apps.is_installed("allauth.account"):
        return False
    allauth_backend = import_string(ALLAUTH_BACKEND_PATH)
    return isinstance(cls, type) and issubclass(cls, allauth_backend)


def _allauth_logs_in_by_username() -> bool:
    from allauth.account import app_settings  # type: ignore[import-untyped]

    return app_settings.LoginMethod.USERNAME in app_settings.LOGIN_METHODS


def check_backends(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """Any backend that calls ``user.check_password()`` keeps hashless' guarantees
    (``hashless.django.checking``); what is left to catch is a list with no password
    backend at all, and two backends doing the same lookup."""
    from django.contrib.auth.backends import ModelBackend

    paths = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    classes = _classes(paths)
    messages: list[checks.CheckMessage] = []
    if not any(isinstance(c, type) and issubclass(c, ModelBackend) for c in classes):
        messages.append(
            checks.Warning(
                "No backend in AUTHENTICATION_BACKENDS is based on ModelBackend",
                hint="hashless checks passwords in user.check_password(): make sure your "
                f"backend calls it, or list {BACKEND_PATH!r} (username logins), your own "
                f"ModelBackend subclass (email logins) or {ALLAUTH_BACKEND_PATH!r}.",
                id="hashless.W004",
            )
        )
    same = [(p, c) for p, c in zip(paths, classes, strict=True) if _finds_by_username(c)]
    if len(same) > 1:
        # Keep the one that does the most: allauth's also logs in by email.
        keep = max(same, key=lambda entry: (_is_allauth(entry[1]), _is_cognito(entry[1])))
        drop = [path for path, _ in same if path != keep[0]]
        messages.append(
            checks.Warning(
                f"AUTHENTICATION_BACKENDS lists {len(same)} backends that find users by "
                f"username: {', '.join(path for path, _ in same)}",
                hint=f"Remove {', '.join(drop)}: {keep[0]} already logs those users in, and "
                "every failed login is otherwise checked (and padded) once per backend.",
                id="hashless.W002",
            )
        )
    return messages


def _is_cognito(cls: Any) -> bool:
    from hashless.django.backends import CognitoBackend

    return isinstance(cls, type) and issubclass(cls, CognitoBackend)


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
    messages: list[checks.CheckMessage] = []
    if overrides_check(model):
        messages.append(
            checks.Warning(
                f"{model._meta.label} defines its own check_password(): hashless keeps it, "
                f"so its guarantees hold only for logins through {BACKEND_PATH}",
                hint="Remove it, so that hashless' check runs for every backend. If it must "
                "stay, have it call hashless.django.checking.check_password(self, raw_password) "
                "and silence hashless.W005.",
                id="hashless.W005",
            )
        )
    messages.extend(_check_marker_fits(model))
    return messages


def _check_marker_fits(model: Any) -> list[checks.CheckMessage]:
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
