"""Reads on PostgreSQL run outside a transaction: no BEGIN or ROLLBACK round trips."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, select

from hashless.storage import Database

pytestmark = pytest.mark.postgres


@contextmanager
def transaction_states(db: Database) -> Iterator[list[TransactionStatus]]:
    """The server connection's transaction status after each statement run meanwhile."""
    states: list[TransactionStatus] = []

    def after(connection: Any, *_: Any) -> None:
        states.append(connection.connection.dbapi_connection.info.transaction_status)

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield states
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def test_a_login_read_opens_no_transaction(postgres_db: Database) -> None:
    """``Database.read()`` (the login's read of the row and the throttle counters)
    runs its statements in autocommit: each leaves the connection idle."""
    with transaction_states(postgres_db) as states, postgres_db.read() as reading:
        reading.execute(select(1)).one()
        postgres_db.customers.find_by_email("nobody@example.com", within=reading)
    assert states and set(states) == {TransactionStatus.IDLE}


def test_a_session_lookup_opens_no_transaction(postgres_db: Database) -> None:
    """Resolving a session token (every passed request with a session) reads in
    autocommit too, and still finds the session."""
    postgres_db.customers.insert_account("cus_reader", "reader@example.com")
    token, _ = postgres_db.sessions.create("cus_reader", "bearer", user_agent=None, ip=None)
    with transaction_states(postgres_db) as states:
        found = postgres_db.sessions.resolve(token)
    assert found is not None and found.customer_id == "cus_reader"
    assert states and set(states) == {TransactionStatus.IDLE}


def test_writes_still_run_in_a_transaction(postgres_db: Database) -> None:
    """The autocommit reads leave ``Database.transaction()`` transactional."""
    with transaction_states(postgres_db) as states, postgres_db.transaction() as writing:
        writing.execute(select(1)).one()
    assert states == [TransactionStatus.INTRANS]
