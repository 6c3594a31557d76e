"""The writes a login ends with commit together, on PostgreSQL in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, func, select

from hashless.storage import AuditEntry, Database
from hashless.storage.models import AuditEvent, CustomerSession, KnownDevice
from hashless.storage.writes import _together


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, TransactionStatus]]]:
    """Each statement the engine sends meanwhile, with the server connection's
    transaction status after it (``IDLE``: no transaction was opened around it)."""
    sent: list[tuple[str, TransactionStatus]] = []

    def after(connection: Any, _cursor: Any, sql: str, *_: Any) -> None:
        status = connection.connection.dbapi_connection.info.transaction_status
        sent.append((sql, status))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield sent
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def counts(db: Database, customer_id: str) -> tuple[int, int, int]:
    with db.engine.connect() as connection:
        return (
            connection.scalar(select(func.count()).where(AuditEvent.customer_id == customer_id))
            or 0,
            connection.scalar(
                select(func.count()).where(CustomerSession.customer_id == customer_id)
            )
            or 0,
            connection.scalar(select(func.count()).where(KnownDevice.customer_id == customer_id))
            or 0,
        )


def a_login_s_writes(db: Database, customer_id: str, within: Any) -> None:
    """What a migrated customer's login writes: audit row, session, a new device."""
    db.audit.record(AuditEntry("login.succeeded", "success", customer_id), within=within)
    db.sessions.create(customer_id, "cookie", user_agent="ua", ip="203.0.113.9", within=within)
    db.devices.remember(customer_id, None, within=within)


def add_customer(db: Database) -> str:
    """A new customer (the PostgreSQL database lives for the whole session)."""
    suffix = uuid.uuid4().hex[:12]
    return db.customers.insert_account(f"cus_{suffix}", f"{suffix}@example.com").id


@pytest.mark.postgres
def test_a_login_s_writes_are_one_statement_on_postgresql(postgres_db: Database) -> None:
    """Audit row, session and device reach PostgreSQL as one statement, with no
    ``BEGIN`` or ``COMMIT`` round trip around it, and all three rows are there."""
    db = postgres_db
    customer_id = add_customer(db)
    with statements(db) as sent, db.writes() as writing:
        a_login_s_writes(db, customer_id, writing)
    ((sql, status),) = sent
    assert sql.lstrip().upper().startswith("WITH") and status is TransactionStatus.IDLE
    assert counts(db, customer_id) == (1, 1, 1)


def test_writes_commit_only_when_the_block_ends_normally(db: Database) -> None:
    """A block that raises leaves none of its writes behind, on either backend."""
    customer_id = add_customer(db)
    with pytest.raises(RuntimeError), db.writes() as writing:
        a_login_s_writes(db, customer_id, writing)
        raise RuntimeError("after the writes")
    assert counts(db, customer_id) == (0, 0, 0)
    with db.writes() as writing:
        a_login_s_writes(db, customer_id, writing)
    assert counts(db, customer_id) == (1, 1, 1)


def test_writes_that_fail_together_leave_nothing(db: Database) -> None:
    """One write the database refuses (a second device with the same token hash) undoes
    the others of its block: they are one statement, or one transaction."""
    customer_id = add_customer(db)
    with db.writes() as writing:
        db.throttle.forget("account:nobody", within=writing)
    with pytest.raises(Exception), db.writes() as writing:  # noqa: B017 (the driver's own)
        db.audit.record(AuditEntry("login.succeeded", "success", customer_id), within=writing)
        now = datetime.now(UTC)
        device = {
            "token_hash": "same",
            "customer_id": customer_id,
            "created_at": now,
            "expires_at": now + timedelta(days=1),
        }
        for _ in range(2):
            writing.execute(KnownDevice.__table__.insert(), device)
    assert counts(db, customer_id) == (0, 0, 0)


@pytest.mark.postgres
def test_a_login_s_statement_is_built_once(postgres_db: Database) -> None:
    """The second login's writes reuse the statement composed for the first: composing
    one, and SQLAlchemy's cache key for a statement it has not seen, would cost more
    CPU than the round trips saved. Fails if a write that joins is built per call."""
    db = postgres_db
    customer_id = add_customer(db)

    def log_in() -> None:
        with db.writes() as writing:
            a_login_s_writes(db, customer_id, writing)
            db.throttle.forget("account:writes@example.com", within=writing)
            db.sessions.revoke_token("held", within=writing)

    log_in()
    before = _together.cache_info()
    log_in()
    after = _together.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
