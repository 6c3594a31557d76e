"""The process's credential store and migration engine, built lazily from settings.

Nothing here runs at import or in ``AppConfig.ready``: a management command that never
touches a password never builds a Cognito client. The boto3 client is cached apart
from the engine, keyed by what it connects to, so a settings change that keeps the
pool (``override_settings`` in tests, say) does not pay for a new client.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.signals import setting_changed
from django.dispatch import receiver

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.protocol import CredentialStore
from hashless.django.conf import hashless_settings
from hashless.legacy.registry import VerifierRegistry
from hashless.migration.engine import MigrationEngine

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["get_engine", "get_store", "override_store"]

S = TypeVar("S", bound=CredentialStore)

_lock = threading.Lock()
_engine: MigrationEngine | None = None
_store: CredentialStore | None = None
_override: CredentialStore | None = None
_clients: dict[tuple[Any, ...], CognitoIdentityProviderClient] = {}


def _build_store() -> CredentialStore:
    config = hashless_settings()
    if config.credential_store is not None:
        return config.credential_store()
    cognito = config.cognito
    assert cognito is not None and cognito.region and cognito.user_pool_id and cognito.client_id
    secret_key = cognito.secret_access_key.get_secret_value() if cognito.secret_access_key else None

    def client(max_attempts: int) -> CognitoIdentityProviderClient:
        assert cognito is not None and cognito.region
        key = (
            cognito.region,
            cognito.endpoint_url,
            cognito.access_key_id,
            secret_key,
            config.max_pool_connections,
            max_attempts,
        )
        built = _clients.get(key)
        if built is None:
            built = make_cognito_client(
                region=cognito.region,
                endpoint_url=cognito.endpoint_url,
                access_key_id=cognito.access_key_id,
                secret_access_key=secret_key,
                max_pool_connections=config.max_pool_connections,
                max_attempts=max_attempts,
            )
            _clients[key] = built
        return built

    return CognitoCredentialStore(
        client(3),
        user_pool_id=cognito.user_pool_id,
        client_id=cognito.client_id,
        client_secret=(cognito.client_secret.get_secret_value() if cognito.client_secret else None),
        # Password checks and writes are sent once, as in the service: a resend after a
        # read timeout could count a typo twice or land a password late (engine rule 6).
        auth_client=client(1),
    )


def get_store() -> CredentialStore:
    """The credential store for this process (Cognito unless overridden)."""
    global _store
    if _override is not None:
        return _override
    store = _store
    if store is None:
        with _lock:
            if _store is None:
                _store = _build_store()
            store = _store
    return store


def get_engine() -> MigrationEngine:
    """The migration engine over Django's user table and the credential store."""
    global _engine
    engine = _engine
    if engine is None:
        # Imported here: the records module needs the app registry to be ready.
        from hashless.django.records import DjangoCredentialRecords, DjangoHasherVerifier

        with _lock:
            if _engine is None:
                _engine = MigrationEngine(
                    DjangoCredentialRecords(),
                    _StoreProxy(),
                    VerifierRegistry([DjangoHasherVerifier()]),
                )
            engine = _engine
    return engine


class _StoreProxy:
    """Resolves the store at each call, so ``override_store`` reaches a built engine."""

    def check(self, username: str, password: str) -> None:
        get_store().check(username, password)

    def create(self, username: str, email: str) -> bool:
        return get_store().create(username, email)

    def set_password(self, username: str, password: str) -> None:
        get_store().set_password(username, password)

    def update_email(self, username: str, email: str) -> None:
        get_store().update_email(username, email)

    def delete(self, username: str) -> None:
        get_store().delete(username)


@contextmanager
def override_store(store: S) -> Iterator[S]:
    """Use ``store`` (an ``InMemoryCredentialStore``, say) instead of Cognito. For tests."""
    global _override
    previous, _override = _override, store
    try:
        yield store
    finally:
        _override = previous


def reset() -> None:
    """Forget the built store and engine; the next use builds them from settings."""
    global _engine, _store
    with _lock:
        _engine = None
        _store = None


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **_: Any) -> None:
    if setting in {"HASHLESS", "AUTH_USER_MODEL", "PASSWORD_HASHERS"}:
        reset()
