"""Build a ``ServiceContext`` from settings: with ``hashless.service.cognito_setup`` (the
Cognito side), the one place that knows every concrete class."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import make_url
from starlette.types import ASGIApp

from hashless.config import CognitoSettings, Platform, Settings, load_settings
from hashless.credentials.protocol import CredentialStore
from hashless.credentials.shaping import (
    QuotaShapedStore,
)
from hashless.errors import ConfigurationError
from hashless.legacy import default_registry
from hashless.logs import configure_logging
from hashless.migration import MigrationEngine, MigrationEvent
from hashless.platforms.host import Host
from hashless.platforms.medusa_v1 import medusa_v1_host
from hashless.platforms.standalone import standalone_host
from hashless.service.app import create_app
from hashless.service.browser import OriginAllowlist
from hashless.service.cognito_setup import cognito_store, quota_shaped
from hashless.service.context import ServiceContext
from hashless.service.metrics import MeteredCredentialStore, ServiceMetrics
from hashless.service.migration_audit import migration_auditor
from hashless.service.on_loop import LOOP_AWARE, CognitoLoopTransport, LoopLogins
from hashless.service.request_id import current_request_id
from hashless.service.reset_delivery import NoDelivery, ResetDelivery, WebhookDelivery
from hashless.service.smtp_delivery import SmtpDelivery
from hashless.storage import Database

if TYPE_CHECKING:
    from hashless.ops.findings import Finding

__all__ = [
    "APP_FACTORY",
    "HOSTS",
    "STORE_CHECKS",
    "build_context",
    "context_from_environment",
    "create_app_from_environment",
    "host_for",
    "medusa_v2_app_from_environment",
    "open_database",
    "reset_delivery_for",
    "serving_app",
]

APP_FACTORY = "hashless.service.wiring:create_app_from_environment"
"""What ``uvicorn --factory`` imports in each worker process."""


HOSTS: dict[Platform, Callable[[Settings], Host]] = {
    "standalone": standalone_host,
    "medusa-v1": medusa_v1_host,
}
"""Every platform's host builder: the one place that maps HASHLESS_PLATFORM to code."""


def _standalone_checks(settings: Settings) -> list[Finding]:
    from hashless.ops.doctor import check_database

    return [check_database(settings.database_url)]


def _medusa_v1_checks(settings: Settings) -> list[Finding]:
    from hashless.platforms.medusa_v1.doctor import medusa_v1_checks

    return medusa_v1_checks(settings)


STORE_CHECKS: dict[Platform, Callable[[Settings], list[Finding]]] = {
    "standalone": _standalone_checks,
    "medusa-v1": _medusa_v1_checks,
}
"""``hashless doctor``'s checks of each platform's store: database, servers, secrets.
Imported when called: the service itself never needs them."""


def host_for(settings: Settings) -> Host:
    """The host HASHLESS_PLATFORM names; raises ``ConfigurationError`` for settings it
    cannot serve."""
    builder = HOSTS.get(settings.platform)
    if builder is None:
        # medusa-v2 answers Medusa's auth provider only (medusa_v2_app_from_environment):
        # Medusa keeps its customers, sessions and tokens itself.
        raise ConfigurationError(
            f"HASHLESS_PLATFORM={settings.platform} is served by `hashless serve` alone; "
            "this command works on the standalone and medusa-v1 platforms"
        )
    return builder(settings)


def open_database(
    settings: Settings,
    *,
    apply_migrations: bool = True,
    host: Host | None = None,
    on_loop: bool = False,
) -> Database:
    """The database of ``host`` (default: the configured one), migrated unless told not;
    ``on_loop``: for the logins on the event loop (``Database.connect``)."""
    host = host or host_for(settings)
    if not settings.database_url:
        raise ConfigurationError(
            "HASHLESS_DATABASE_URL is not set: set it to postgresql+psycopg://user@host/db "
            "or sqlite:////absolute/path/hashless.db"
        )
    # On PostgreSQL a worker has two pools, the logins' on the loop and the threads' for
    # the rest: one pool's connections, split in two. A login on the loop holds one for
    # its statements only (a first login for its locked Cognito writes), never through a
    # password check; the other routes are a small part of a store's traffic.
    size = min(settings.concurrency, 32)
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        size = (size + 1) // 2
    return Database.connect(
        settings.database_url,
        pool_size=size,
        apply_migrations=apply_migrations,
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_absolute=timedelta(days=settings.session_max_days),
        layout=host.layout,
        on_loop=on_loop,
    )


def reset_delivery_for(settings: Settings) -> ResetDelivery:
    """The webhook, SMTP, or nothing (a logged error per request), as configured."""
    if settings.reset_webhook_url and settings.smtp_host:
        raise ConfigurationError(
            "both HASHLESS_RESET_WEBHOOK_URL and HASHLESS_SMTP_HOST are set: reset tokens go "
            "one way, so unset one of them"
        )
    if settings.reset_webhook_url:
        return WebhookDelivery(settings.reset_webhook_url)
    if not settings.smtp_host:
        return NoDelivery()
    if not settings.smtp_from or not settings.reset_url_template:
        raise ConfigurationError(
            "HASHLESS_SMTP_HOST needs HASHLESS_SMTP_FROM (the sender address) and "
            "HASHLESS_RESET_URL_TEMPLATE (e.g. https://shop.example/reset?token={token})"
        )
    if settings.smtp_username and settings.smtp_tls == "none" and not _loopback(settings.smtp_host):
        raise ConfigurationError(
            "HASHLESS_SMTP_TLS=none would send the SMTP password in clear: use starttls or tls"
        )
    return SmtpDelivery(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        sender=settings.smtp_from,
        url_template=settings.reset_url_template,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
    )


def _loopback(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1")


def build_context(
    settings: Settings,
    *,
    store: CredentialStore,
    db: Database,
    reset_delivery: ResetDelivery | None = None,
    cookie_secure: bool = True,
    host: Host | None = None,
    metrics: ServiceMetrics | None = None,
    login_db: Database | None = None,
    transports: tuple[CognitoLoopTransport, ...] = (),
) -> ServiceContext:
    """The context over ``db``; given ``login_db`` (built ``on_loop``), password logins
    run on the event loop over it, Cognito through ``transports`` there."""
    metrics = metrics or ServiceMetrics()
    verifiers = default_registry(concurrency=settings.legacy_verify_concurrency)
    metered = MeteredCredentialStore(store, metrics)

    def engine_over(records: Database) -> MigrationEngine:
        auditor = migration_auditor(records)

        def observe(event: MigrationEvent) -> None:
            auditor(event)
            metrics.observe_migration(event)

        return MigrationEngine(
            records.records,
            metered,
            verifiers,
            observer=observe,
            write_window=timedelta(seconds=settings.cognito_write_window_seconds),
            send_timeout=settings.cognito_send_timeout,
            blocking=LOOP_AWARE,
        )

    return ServiceContext(
        engine=engine_over(db),
        loop_logins=(LoopLogins(engine_over(login_db), login_db, transports) if login_db else None),
        db=db,
        reset_delivery=reset_delivery or reset_delivery_for(settings),
        admin_token=settings.admin_token.get_secret_value() if settings.admin_token else None,
        allow_email_lookup=settings.allow_email_lookup,
        store_cors=OriginAllowlist.parse(settings.store_cors),
        cookie_secure=settings.cookie_secure
        if settings.cookie_secure is not None
        else cookie_secure,
        reauth_window=timedelta(minutes=settings.reauth_minutes),
        concurrency=settings.concurrency,
        failure_floor_seconds=settings.login_failure_floor_ms / 1000,
        metrics=metrics,
        verifiers=verifiers,
        quota=store if isinstance(store, QuotaShapedStore) else None,
        host=host or host_for(settings),
    )


def _worker_settings(without_pool: str) -> tuple[Settings, CognitoSettings]:
    """The settings of a process that serves a real pool, its logging configured (a
    spawned worker inherits none of its parent's); ``without_pool`` says why one is needed."""
    settings, cognito = load_settings()
    if not cognito.configured:
        raise ConfigurationError(without_pool)
    configure_logging(settings.log_format, settings.log_level, request_id=current_request_id.get)
    return settings, cognito


def context_from_environment() -> ServiceContext:
    """The context one process serves, built from the environment and ``.env`` alone.

    Every worker process builds its own, so workers share state only through the
    database; its schema must already be current (``hashless migrate``, or ``serve``
    before it starts the workers). Logging is configured here because a spawned
    worker inherits none of its parent's.
    """
    settings, cognito = _worker_settings(
        "COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID are not set: a worker serves a real "
        "pool and database (the throw-away demo runs only in `hashless serve` itself)"
    )
    host = host_for(settings)
    db = open_database(settings, apply_migrations=False, host=host)
    if not db.schema_is_current():
        db.engine.dispose()
        raise ConfigurationError(
            "the database schema at HASHLESS_DATABASE_URL is not current: run `hashless migrate`"
        )
    transports: list[CognitoLoopTransport] = []
    store = cognito_store(
        cognito, concurrency=settings.concurrency, settings=settings, on_loop=transports
    )
    metrics = ServiceMetrics()
    shaped = quota_shaped(
        store, settings, key=store.user_pool_id, on_state=metrics.observe_quota_backend
    )
    # On PostgreSQL password logins run on the event loop (hashless.service.on_loop),
    # over a pool of their own; SQLite's driver has no asyncio face.
    login_db = (
        open_database(settings, apply_migrations=False, host=host, on_loop=True)
        if db.engine.dialect.name == "postgresql"
        else None
    )
    return build_context(
        settings,
        store=shaped,
        db=db,
        metrics=metrics,
        host=host,
        login_db=login_db,
        transports=tuple(transports),
    )


def serving_app(context: ServiceContext) -> ASGIApp:
    """What ``hashless serve`` runs: hashless' app, in front of the host's own server
    (every request hashless does not answer passed to it) when the host has one."""
    app = create_app(context)
    if context.host.medusa_url is None:
        return app
    try:
        from hashless.platforms.medusa_v1.front import medusa_front
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f'in front of Medusa hashless needs {exc.name}: pip install "hashless[medusa-v1]"'
        ) from None
    return medusa_front(app, context)


def medusa_v2_app_from_environment() -> ASGIApp:
    """``HASHLESS_PLATFORM=medusa-v2``: the routes Medusa v2's auth provider calls."""
    from hashless.platforms.medusa_v2.app import medusa_v2_app_from_settings

    settings, cognito = _worker_settings(
        "HASHLESS_PLATFORM=medusa-v2 needs a pool: set COGNITO_USER_POOL_ID and "
        "COGNITO_CLIENT_ID (the throw-away demo serves the standalone platform only)"
    )
    store = cognito_store(cognito, concurrency=settings.concurrency, settings=settings)
    return medusa_v2_app_from_settings(
        settings, store=quota_shaped(store, settings, key=store.user_pool_id)
    )


def create_app_from_environment() -> ASGIApp:
    """The app factory for ``uvicorn --factory`` and ``hashless serve --workers N``."""
    settings, _ = load_settings()
    if settings.platform == "medusa-v2":
        return medusa_v2_app_from_environment()
    return serving_app(context_from_environment())
