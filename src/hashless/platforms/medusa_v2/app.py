"""``HASHLESS_PLATFORM=medusa-v2``: the service Medusa's auth provider forwards to.

``HASHLESS_DATABASE_URL`` is Medusa's own database; Medusa issues and checks its own
tokens, so this service keeps no sessions: it answers password questions only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from hashless import __version__
from hashless.config import Settings
from hashless.credentials.protocol import CredentialStore
from hashless.errors import ConfigurationError
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.platforms.medusa_v2.flows import MedusaV2Flows
from hashless.platforms.medusa_v2.guard import GuardedLogins
from hashless.platforms.medusa_v2.records import MedusaV2Records
from hashless.platforms.medusa_v2.routes import ProviderContext, ProviderRefused, refused, router
from hashless.service.errors import install_error_handlers
from hashless.service.migration_audit import audit_migrations
from hashless.service.outage import OutageWatch
from hashless.service.request_id import RequestIdMiddleware
from hashless.service.timing import FailureFloor
from hashless.storage import AuditLog, LoginThrottleRepository, create_database_engine
from hashless.storage.db import migrate
from hashless.storage.hosted import hosted_migrations, state_engine

__all__ = [
    "create_medusa_v2_app",
    "medusa_v2_app_from_settings",
    "medusa_v2_engine",
    "migrate_state",
    "provider_context",
]


def migrate_state(medusa: Engine, schema: str) -> None:
    """hashless' own tables (throttle counters, audit trail, credential marks) in
    ``schema`` of Medusa's database; Medusa's own tables are never altered."""
    migrate(state_engine(medusa, schema), hosted_migrations(schema))


def provider_context(
    settings: Settings, *, store: CredentialStore, medusa: Engine
) -> ProviderContext:
    """The provider routes' context over Medusa's database ``medusa`` and ``store``."""
    if settings.provider_token is None:
        raise ConfigurationError(
            "HASHLESS_PROVIDER_TOKEN is not set: give hashless and Medusa's provider the same "
            "secret (try: openssl rand -hex 24)"
        )
    state = sessionmaker(state_engine(medusa, settings.state_schema))
    audit = AuditLog(state)
    records = MedusaV2Records(
        medusa, state_schema=settings.state_schema, include_admins=settings.medusa_v2_admins
    )
    engine = MigrationEngine(
        records,
        store,
        default_registry(concurrency=settings.legacy_verify_concurrency),
        observer=audit_migrations(audit),
        write_window=timedelta(seconds=settings.cognito_write_window_seconds),
        send_timeout=settings.cognito_send_timeout,
    )
    flows = MedusaV2Flows(engine, records, store, include_admins=settings.medusa_v2_admins)
    floor = FailureFloor(settings.login_failure_floor_ms / 1000)
    return ProviderContext(
        flows=flows,
        logins=GuardedLogins(flows, LoginThrottleRepository(state), audit, OutageWatch(floor)),
        provider_token=settings.provider_token.get_secret_value(),
        failure_floor=floor,
    )


def create_medusa_v2_app(context: ProviderContext, *, concurrency: int = 64) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The flows block (scrypt, boto3, the database): size their thread pool to the
        # concurrency the Cognito and database pools were sized for.
        to_thread.current_default_thread_limiter().total_tokens = concurrency
        yield

    app = FastAPI(
        title="hashless (Medusa v2 provider)",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(RequestIdMiddleware)
    app.state.provider = context
    install_error_handlers(app)
    app.add_exception_handler(ProviderRefused, refused)
    app.include_router(router)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def medusa_v2_engine(settings: Settings) -> Engine:
    """An engine on Medusa's own database, HASHLESS_DATABASE_URL."""
    if not settings.database_url or not settings.database_url.startswith("postgresql"):
        raise ConfigurationError(
            "HASHLESS_PLATFORM=medusa-v2 needs HASHLESS_DATABASE_URL set to Medusa's own "
            "PostgreSQL database (the one in Medusa's DATABASE_URL)"
        )
    return create_database_engine(settings.database_url, pool_size=min(settings.concurrency, 32))


def medusa_v2_app_from_settings(settings: Settings, *, store: CredentialStore) -> FastAPI:
    context = provider_context(settings, store=store, medusa=medusa_v2_engine(settings))
    return create_medusa_v2_app(context, concurrency=settings.concurrency)
