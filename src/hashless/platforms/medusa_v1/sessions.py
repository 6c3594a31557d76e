"""The session check of every request the Medusa pass-through forwards.

A passed request with a session token waits on one question: which customer's live
session is it? Asked through the ORM in a worker thread it cost about 0.37 ms of CPU
even without a pre-ping (a thread hop each way, an ORM session, a pooled SQLAlchemy
connection); asked on the event loop over a psycopg connection of its own, with the
repository's statement compiled once and prepared by PostgreSQL after a few uses,
about 0.1 ms. So on PostgreSQL (Medusa's database always is) the check runs here, and
a session it found live is remembered until PostgreSQL tells of its end
(:mod:`hashless.platforms.medusa_v1.live_sessions`, where the argument is); what it
reads or remembers is judged by ``SessionRepository.settled`` as on hashless' own
routes, and the rare write it asks for (an expired session deleted, the once-a-minute
touch) goes to a worker thread through the repository. Any other database (the tests'
SQLite) is asked through the repository in a worker thread on every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine

from hashless.platforms.medusa_v1.live_sessions import LISTENER_NAME, LiveSessions
from hashless.storage import Database, SessionInfo
from hashless.storage.sessions import SESSION_LOOKUP
from hashless.tokens import token_hash

__all__ = ["APPLICATION_NAME", "CustomerForToken", "SessionCheck"]

APPLICATION_NAME = "hashless session check"

CustomerForToken = Callable[[str], Awaitable[str | None]]
"""The customer id of the live hashless session a token opens, or None."""

_CONNECTIONS = 8
"""A check holds its connection for one round trip (~0.2 ms): a few connections serve
thousands of passed requests a second; the pool opens more, up to this, under load."""


class SessionCheck:
    """``await check(token)``: the customer of the live session ``token`` opens, or None."""

    def __init__(self, db: Database, *, also_ending: tuple[Database, ...] = ()) -> None:
        """``also_ending``: other databases of this process whose repositories end
        sessions (the logins' own, on the event loop)."""
        self._db = db
        self._pool: AsyncConnectionPool | None = None
        self._live: LiveSessions | None = None
        self._sql = ""
        self._opened = False
        self._ending = [ending.sessions.on_end for ending in (db, *also_ending)]
        if db.engine.dialect.name == "postgresql":
            self._pool = _pool(db.engine)
            self._sql = _compiled(db.engine)
            self._live = _live_sessions(db.engine)
            for hooks in self._ending:
                hooks.append(self._live.forget_all)

    async def __call__(self, token: str) -> str | None:
        if self._pool is None:
            session = await anyio.to_thread.run_sync(self._db.sessions.resolve, token)
            return session.customer_id if session is not None else None
        assert self._live is not None
        sessions = self._db.sessions
        key = token_hash(token)
        now = sessions.now()
        known = self._live.get(key)
        if known is not None and sessions.settled(known, now):
            return known.customer_id
        ends_before = self._live.ends
        row = await self._read(key)
        if row is None:
            return None
        info = SessionInfo(*row)
        if sessions.settled(info, now):
            self._live.remember(key, info, ends_before=ends_before)
        elif not await anyio.to_thread.run_sync(sessions.settle, info, now):
            return None
        return info.customer_id

    async def _read(self, token_hash: str) -> tuple[Any, ...] | None:
        """The session's row. Connections PostgreSQL closed meanwhile (a restart, an
        idle timeout) fail the first try; the pool then tests each idle one, replaces
        those that are dead, and the second try goes out on a working one: the
        pre-ping SQLAlchemy would send before every use, paid only when needed."""
        assert self._pool is not None
        if not self._opened:  # on the event loop that serves: the pool's lock is its
            await self._pool.open()
            self._opened = True
        for attempt in (1, 2):
            try:
                async with self._pool.connection() as connection:
                    cursor = await connection.execute(self._sql, {"token_hash": token_hash})
                    return await cursor.fetchone()
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                await self._pool.check()
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        if self._live is not None:
            for hooks in self._ending:
                hooks.remove(self._live.forget_all)
            await self._live.aclose()
        if self._pool is not None:
            await self._pool.close()


def _connection(engine: Engine, name: str) -> tuple[Any, dict[str, Any]]:
    """Connection arguments as the engine makes its own (same server, user, options),
    outside transactions (the check only reads), named ``name`` in ``pg_stat_activity``
    unless the URL names them."""
    args, options = engine.dialect.create_connect_args(engine.url)
    options.setdefault("application_name", name)
    return args, {**options, "autocommit": True}


def _pool(engine: Engine) -> AsyncConnectionPool:
    args, options = _connection(engine, APPLICATION_NAME)
    return AsyncConnectionPool(
        *args,
        kwargs=options,
        min_size=1,
        max_size=_CONNECTIONS,
        open=False,
        timeout=10.0,  # as the pass-through waits for a connection to Medusa
        name="hashless-session-check",
    )


def _live_sessions(engine: Engine) -> LiveSessions:
    """Heard on a connection of its own, made as the pool makes its connections."""
    args, options = _connection(engine, LISTENER_NAME)
    translate = engine.get_execution_options().get("schema_translate_map") or {}
    schema = translate.get(None) or "public"

    async def connect() -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(*args, **options)

    return LiveSessions(connect, schema)


def _compiled(engine: Engine) -> str:
    """The repository's statement as the engine would send it, the state schema named."""
    translate = engine.get_execution_options().get("schema_translate_map")
    compiled = SESSION_LOOKUP.compile(
        dialect=engine.dialect,
        schema_translate_map=translate,
        render_schema_translate=translate is not None,
    )
    return compiled.string
