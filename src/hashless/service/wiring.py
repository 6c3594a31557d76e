"""Build a ``ServiceContext`` from settings: the one place that knows every concrete class."""

from __future__ import annotations

from datetime import timedelta

from hashless.config import CognitoSettings, Settings
from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.protocol import CredentialStore
from hashless.errors import ConfigurationError
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.service.context import ServiceContext
from hashless.service.guard import migration_auditor
from hashless.service.reset_delivery import NoDelivery, ResetDelivery, WebhookDelivery
from hashless.storage import Database

__all__ = ["build_context", "cognito_store", "open_database"]


def cognito_store(cognito: CognitoSettings, *, concurrency: int) -> CognitoCredentialStore:
    """The process's one Cognito client, its connection pool sized to ``concurrency``."""
    assert cognito.region and cognito.user_pool_id and cognito.client_id
    client = make_cognito_client(
        region=cognito.region,
        endpoint_url=cognito.endpoint_url,
        access_key_id=cognito.access_key_id,
        secret_access_key=(
            cognito.secret_access_key.get_secret_value() if cognito.secret_access_key else None
        ),
        max_pool_connections=concurrency,
    )
    return CognitoCredentialStore(
        client,
        user_pool_id=cognito.user_pool_id,
        client_id=cognito.client_id,
        client_secret=(cognito.client_secret.get_secret_value() if cognito.client_secret else None),
    )


def open_database(settings: Settings, *, apply_migrations: bool = True) -> Database:
    if not settings.database_url:
        raise ConfigurationError(
            "HASHLESS_DATABASE_URL is not set: set it to postgresql+psycopg://user@host/db "
            "or sqlite:////absolute/path/hashless.db"
        )
    return Database.connect(
        settings.database_url,
        pool_size=min(settings.concurrency, 32),
        apply_migrations=apply_migrations,
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_absolute=timedelta(days=settings.session_max_days),
    )


def build_context(
    settings: Settings,
    *,
    store: CredentialStore,
    db: Database,
    reset_delivery: ResetDelivery | None = None,
    cookie_secure: bool = True,
) -> ServiceContext:
    if reset_delivery is None:
        reset_delivery = (
            WebhookDelivery(settings.reset_webhook_url)
            if settings.reset_webhook_url
            else NoDelivery()
        )
    return ServiceContext(
        engine=MigrationEngine(
            db.records, store, default_registry(), observer=migration_auditor(db)
        ),
        db=db,
        reset_delivery=reset_delivery,
        admin_token=settings.admin_token.get_secret_value() if settings.admin_token else None,
        allow_email_lookup=settings.allow_email_lookup,
        cookie_secure=settings.cookie_secure
        if settings.cookie_secure is not None
        else cookie_secure,
        reauth_window=timedelta(minutes=settings.reauth_minutes),
        concurrency=settings.concurrency,
        failure_floor_seconds=settings.login_failure_floor_ms / 1000,
    )
