"""A PostgreSQL connection the server ended (a restart, a killed backend) costs no login.

The pool pings only a connection that rested (``PING_AFTER_IDLE``); one ended while in
steady use is found by its first statement, and the login's read runs once more.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.migration_audit import migration_auditor
from hashless.storage import Database
from hashless.storage import db as storage_db
from tests.service.conftest import CapturedDelivery
from tests.support import PlainSha256

pytestmark = pytest.mark.postgres

CREDENTIALS = {"email": "kim@example.com", "password": "correct horse"}


@pytest.fixture
def small_db(postgres_db: Database, postgres_database: str) -> Iterator[Database]:
    """A database of its own over the session's schema: a pool of two, so a test can
    end every connection in it without touching the shared pool."""
    with postgres_db.engine.begin() as connection:
        for table in ("known_device", "customer_session", "audit_event", "login_throttle"):
            connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.exec_driver_sql("DELETE FROM customer")
    db = Database.connect(postgres_database, pool_size=2, apply_migrations=False)
    yield db
    db.engine.dispose()


def _pooled_backends(engine: Engine) -> set[int]:
    """The server processes behind the pool's connections (two taken at once)."""
    first, second = engine.connect(), engine.connect()
    try:
        return {c.connection.dbapi_connection.info.backend_pid for c in (first, second)}  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()


def _end(backends: set[int], url: str) -> None:
    """``pg_terminate_backend`` each, from a connection of another engine."""
    killer = create_engine(url)
    try:
        with killer.connect() as connection:
            for pid in backends:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        killer.dispose()


def test_a_connection_ended_while_it_rested_is_replaced_at_checkout(
    small_db: Database, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection back from a rest is pinged; a dead one is replaced before use."""
    ended = _pooled_backends(small_db.engine)
    _end(ended, postgres_database)
    monkeypatch.setattr(storage_db, "PING_AFTER_IDLE", 0.0)
    with small_db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        assert connection.connection.dbapi_connection.info.backend_pid not in ended  # type: ignore[union-attr]


def test_a_login_right_after_its_connections_ended_succeeds(
    small_db: Database, postgres_database: str
) -> None:
    """Connections ended within the rest window (no ping): the login's read fails on a
    dead one, runs again on a new one, and the login answers 200, as do the next."""
    store = InMemoryCredentialStore()
    small_db.customers.insert_account("cus_kim", CREDENTIALS["email"])
    store.create("cus_kim", CREDENTIALS["email"])
    store.set_password("cus_kim", CREDENTIALS["password"])
    context = ServiceContext(
        engine=MigrationEngine(
            small_db.records,
            store,
            VerifierRegistry([PlainSha256()]),
            observer=migration_auditor(small_db),
        ),
        db=small_db,
        reset_delivery=CapturedDelivery(),
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    with TestClient(create_app(context)) as client:
        assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
        _end(_pooled_backends(small_db.engine), postgres_database)
        for _ in range(3):
            assert client.post("/store/auth", json=CREDENTIALS).status_code == 200
