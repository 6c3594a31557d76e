"""The pass-through's memory of live sessions: forgotten the moment PostgreSQL tells of
an end, and never trusted while the listener is not heard."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from hashless.identity import new_customer_id
from hashless.platforms.medusa_v1.live_sessions import LISTENER_NAME
from hashless.platforms.medusa_v1.sessions import SessionCheck
from hashless.storage import Database

pytestmark = pytest.mark.postgres

Check = Callable[[SessionCheck, Database], Awaitable[None]]


def _run(db: Database, scenario: Check) -> None:
    async def main() -> None:
        check = SessionCheck(db)
        try:
            await scenario(check, db)
        finally:
            await check.aclose()

    asyncio.run(main())


def _counting(check: SessionCheck) -> list[str]:
    """The token hashes the check asks the database for."""
    asked: list[str] = []
    read = check._read

    async def counted(key: str) -> tuple[Any, ...] | None:
        asked.append(key)
        return await read(key)

    check._read = counted  # type: ignore[method-assign]
    return asked


async def _heard(check: SessionCheck, token: str, customer_id: str) -> None:
    """Check ``token`` until the check answers it without the database."""
    asked = _counting(check)
    for _ in range(200):
        assert await check(token) == customer_id
        before = len(asked)
        assert await check(token) == customer_id
        if len(asked) == before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the live session was never remembered")


def _session(db: Database) -> tuple[str, str]:
    customer_id = new_customer_id()
    token, _ = db.sessions.create(customer_id, "cookie", user_agent=None, ip=None)
    return token, customer_id


async def _until(answer: Callable[[], Awaitable[object]], expected: object) -> float:
    """Seconds until ``answer()`` gives ``expected`` (at most 2)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while await answer() != expected:
        assert loop.time() - started < 2, "not told within 2 s"
        await asyncio.sleep(0.001)
    return loop.time() - started


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM hashless.customer_session", "TRUNCATE hashless.customer_session"],
    ids=["delete", "truncate"],
)
def test_a_session_ended_in_the_database_stops_opening_anything(
    medusa_v1_db: Database, statement: str
) -> None:
    """A live session is answered from memory; deleted by anyone (another worker, an
    administrator's SQL), the trigger's notification makes the check read it again.
    TRUNCATE fires no row trigger: its statement trigger tells the listener to forget all."""

    async def scenario(check: SessionCheck, db: Database) -> None:
        token, customer_id = _session(db)
        await _heard(check, token, customer_id)
        with db.engine.begin() as connection:
            connection.execute(text(statement))
        await _until(lambda: check(token), None)

    _run(medusa_v1_db, scenario)


def test_a_session_ended_by_this_process_is_forgotten_before_the_answer(
    medusa_v1_db: Database,
) -> None:
    """A logout through this worker's repository ends access for the very next request,
    without waiting for PostgreSQL's notification."""

    async def scenario(check: SessionCheck, db: Database) -> None:
        token, customer_id = _session(db)
        await _heard(check, token, customer_id)
        info = db.sessions.resolve(token)
        assert info is not None
        db.sessions.revoke(info.id)
        assert await check(token) is None

    _run(medusa_v1_db, scenario)


def test_a_lost_listener_forgets_everything_and_comes_back(medusa_v1_db: Database) -> None:
    """With the listener's connection gone, ends could go unheard: once the worker sees
    it gone, nothing is answered from memory until it listens again, and a session
    deleted meanwhile stays ended."""

    async def scenario(check: SessionCheck, db: Database) -> None:
        token, customer_id = _session(db)
        gone, gone_id = _session(db)
        await _heard(check, token, customer_id)
        await _heard(check, gone, gone_id)
        with db.engine.begin() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": LISTENER_NAME},
            ).scalar_one()
            assert ended >= 1  # this check's listener, heard above, and any left by others
            connection.execute(
                text("DELETE FROM hashless.customer_session WHERE customer_id = :id"),
                {"id": gone_id},
            )
        await asyncio.sleep(0.1)  # the loop's turn to read the listener's closed socket
        assert await check(gone) is None
        await _heard(check, token, customer_id)

    _run(medusa_v1_db, scenario)


def test_a_table_without_the_trigger_is_read_on_every_check(postgres_db: Database) -> None:
    """hashless' standalone tables tell no one of ended sessions: nothing is remembered."""

    async def scenario(check: SessionCheck, db: Database) -> None:
        customer_id = new_customer_id()
        db.customers.insert_account(customer_id, f"{customer_id}@example.com")
        token, _ = db.sessions.create(customer_id, "cookie", user_agent=None, ip=None)
        asked = _counting(check)
        for _ in range(20):
            assert await check(token) == customer_id
            await asyncio.sleep(0.05)
        assert len(asked) == 20

    _run(postgres_db, scenario)
