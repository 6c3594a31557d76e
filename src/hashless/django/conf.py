"""The ``HASHLESS`` settings dict, read once and checked.

The Cognito keys have the names of hashless' environment variables
(``COGNITO_USER_POOL_ID``...) and the same rules; the other keys are Django's own:

``SCOPE``
    Who moves to Cognito: a callable ``(user) -> bool`` or its dotted path. Default
    ``hashless.django.scope.customers``: everyone but staff and superusers.
``USERNAME_PREFIX``
    The Cognito username of a Django user is ``USERNAME_PREFIX + str(user.pk)``
    (default ``"django-"``, so ``django-42``): immutable, opaque, never the email.
``LOGIN_FLOOR_SECONDS``
    The least time a failed login takes (default 0.25); see ``hashless.django.timing``.
``MAX_POOL_CONNECTIONS``
    The Cognito client's connection pool (default 10): the worker's thread count.
``CREDENTIAL_STORE``
    Dotted path of a zero-argument callable returning a ``CredentialStore``, used
    instead of Cognito (tests, another store). The Cognito keys are then ignored.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from pydantic import SecretStr

from hashless.config import CognitoSettings
from hashless.credentials.protocol import CredentialStore
from hashless.errors import ConfigurationError

__all__ = [
    "COGNITO_KEYS",
    "DEFAULT_LOGIN_FLOOR_SECONDS",
    "KNOWN_KEYS",
    "HashlessSettings",
    "hashless_settings",
    "in_scope",
    "pk_from_username",
    "username_for",
]

COGNITO_KEYS = (
    "COGNITO_REGION",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_CLIENT_SECRET",
    "COGNITO_ACCESS_KEY_ID",
    "COGNITO_SECRET_ACCESS_KEY",
    "COGNITO_ENDPOINT_URL",
)
KNOWN_KEYS = frozenset(
    {
        *COGNITO_KEYS,
        "SCOPE",
        "USERNAME_PREFIX",
        "LOGIN_FLOOR_SECONDS",
        "MAX_POOL_CONNECTIONS",
        "CREDENTIAL_STORE",
    }
)
DEFAULT_SCOPE = "hashless.django.scope.customers"
DEFAULT_USERNAME_PREFIX = "django-"
DEFAULT_LOGIN_FLOOR_SECONDS = 0.25

Scope = Callable[[Any], bool]


@dataclass(frozen=True)
class HashlessSettings:
    """The checked ``HASHLESS`` dict. ``repr`` never shows the secrets."""

    cognito: CognitoSettings | None = field(repr=False)
    """None when ``CREDENTIAL_STORE`` replaces Cognito."""
    scope: Scope
    username_prefix: str
    login_floor_seconds: float
    max_pool_connections: int
    credential_store: Callable[[], CredentialStore] | None


def _setting(name: str) -> str:
    return f"HASHLESS[{name!r}]"


def _optional_str(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{_setting(name)} must be a string")
    return value


def _import(raw: dict[str, Any], name: str, default: str | None) -> Any:
    value = raw.get(name, default)
    if value is None or callable(value):
        return value
    if not isinstance(value, str):
        raise ConfigurationError(f"{_setting(name)} must be a callable or its dotted path")
    try:
        imported = import_string(value)
    except ImportError:
        raise ConfigurationError(
            f"{_setting(name)}={value!r} cannot be imported: give the dotted path of a callable"
        ) from None
    if not callable(imported):
        raise ConfigurationError(f"{_setting(name)}={value!r} is not callable")
    return imported


def _cognito(raw: dict[str, Any]) -> CognitoSettings:
    def secret(name: str) -> SecretStr | None:
        value = _optional_str(raw, name)
        return SecretStr(value) if value else None

    # model_construct reads nothing from the environment or a .env file: in Django
    # the HASHLESS dict is the only source, as settings.py is for everything else.
    cognito = CognitoSettings.model_construct(
        region=_optional_str(raw, "COGNITO_REGION"),
        user_pool_id=_optional_str(raw, "COGNITO_USER_POOL_ID"),
        client_id=_optional_str(raw, "COGNITO_CLIENT_ID"),
        client_secret=secret("COGNITO_CLIENT_SECRET"),
        access_key_id=_optional_str(raw, "COGNITO_ACCESS_KEY_ID"),
        secret_access_key=secret("COGNITO_SECRET_ACCESS_KEY"),
        endpoint_url=_optional_str(raw, "COGNITO_ENDPOINT_URL"),
    )
    try:
        cognito.check()
    except ConfigurationError as exc:
        # The core names the environment variable; in Django it is a HASHLESS key.
        raise ConfigurationError(f"HASHLESS: {exc}") from None
    return cognito


def load_settings(raw: object) -> HashlessSettings:
    """Check a ``HASHLESS`` value; raise one ``ConfigurationError`` naming the key."""
    if raw is None:
        raise ConfigurationError(
            "the HASHLESS setting is missing: add HASHLESS = {'COGNITO_USER_POOL_ID': ..., "
            "'COGNITO_CLIENT_ID': ...} to your settings"
        )
    if not isinstance(raw, dict):
        raise ConfigurationError("the HASHLESS setting must be a dict")
    values = cast(dict[str, Any], raw)
    store_factory = _import(values, "CREDENTIAL_STORE", None)
    cognito = None if store_factory is not None else _cognito(values)
    prefix = values.get("USERNAME_PREFIX", DEFAULT_USERNAME_PREFIX)
    if not isinstance(prefix, str) or "@" in prefix or prefix != prefix.strip():
        raise ConfigurationError(
            f"{_setting('USERNAME_PREFIX')} must be a string without '@' or surrounding "
            "spaces (Cognito refuses email-like usernames in pools with an email alias)"
        )
    floor = values.get("LOGIN_FLOOR_SECONDS", DEFAULT_LOGIN_FLOOR_SECONDS)
    if (
        isinstance(floor, bool)
        or not isinstance(floor, int | float)
        or not math.isfinite(floor)
        or not 0 <= floor <= 5
    ):
        raise ConfigurationError(
            f"{_setting('LOGIN_FLOOR_SECONDS')} must be a number of seconds from 0 to 5"
        )
    pool = values.get("MAX_POOL_CONNECTIONS", 10)
    if isinstance(pool, bool) or not isinstance(pool, int) or pool < 1:
        raise ConfigurationError(
            f"{_setting('MAX_POOL_CONNECTIONS')} must be a positive integer: the number of "
            "threads a worker serves requests with"
        )
    return HashlessSettings(
        cognito=cognito,
        scope=_import(values, "SCOPE", DEFAULT_SCOPE),
        username_prefix=prefix,
        login_floor_seconds=float(floor),
        max_pool_connections=pool,
        credential_store=store_factory,
    )


@functools.lru_cache(maxsize=1)
def hashless_settings() -> HashlessSettings:
    """The project's checked settings, cached until ``HASHLESS`` changes."""
    return load_settings(getattr(settings, "HASHLESS", None))


@receiver(setting_changed)
def _reset(*, setting: str, **_: Any) -> None:
    if setting == "HASHLESS":
        hashless_settings.cache_clear()


def username_for(pk: object) -> str:
    """The Cognito username of the user with primary key ``pk``."""
    return f"{hashless_settings().username_prefix}{pk}"


def pk_from_username(username: str) -> str | None:
    """The primary key (as text) named by a Cognito username, or None if not ours."""
    prefix = hashless_settings().username_prefix
    if not username.startswith(prefix) or len(username) == len(prefix):
        return None
    return username[len(prefix) :]


def in_scope(user: Any) -> bool:
    """True if this user's password belongs in Cognito."""
    return bool(hashless_settings().scope(user))
