"""Live sessions the pass-through remembers, for as long as it hears of their end.

A passed request's session check is one PostgreSQL round trip, and at concurrency 1 most
of a passed request's added latency: PostgreSQL and hashless, woken from idle, answer
late. A session read live is remembered instead, and forgotten when it ends. Why that
ends a session's access to Medusa as surely as reading it on every request does:

- PostgreSQL tells: a trigger of the state schema's ``customer_session`` table
  (revision ``h0002``) notifies ``<schema>.session_ended`` with the session's id for
  every row deleted or changed (every way a session ends: logout, "sign out
  everywhere", a password change, a reset, expiry, an administrator) and ``*`` when the
  table is truncated. A notification is sent when the deleting transaction commits, and
  a commit that cannot queue it fails, so no ended session goes untold.
- Every worker listens on a connection of its own and forgets the session when told;
  the session ended by this worker's own routes is forgotten before their answer goes
  out (``forget_all``, called through ``SessionRepository.on_end``), so a client's next
  request after its logout always reads the row again. Another worker hears of it
  within PostgreSQL's delivery of the notification (p50 0.04 ms, at most a few ms on
  this machine: ``benchmarks/idle_round_trip.py``), the same order of time as a read
  already in flight when the logout committed.
- Nothing is remembered unless the listener is heard. A listener whose connection
  breaks forgets everything as soon as the loop reads the break, and one that
  reconnects forgets everything again, since what ended meanwhile was not heard. One
  whose connection goes silent without breaking (a partition) is caught by a query
  every ``beat`` seconds (notifications queued before it arrive before its answer):
  silent for ``3 * beat``, it answers nothing from memory. That is the one case where
  a session ended on another worker still opens Medusa here, for at most 3 s.
- A read that a notification overtook is not remembered: each one notes the count of
  ends heard before it began (``ends``) and is kept only if that count has not moved,
  so a row read just before its deletion committed is never remembered after it.
- What is remembered is judged again on every use (``SessionRepository.settled``): an
  expired session, or one due for its once-a-minute touch, goes back to the database.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from psycopg import sql

from hashless.storage import SessionInfo

__all__ = ["LISTENER_NAME", "LiveSessions"]

log = logging.getLogger("hashless.medusa")

LISTENER_NAME = "hashless session ends"
"""The listener's ``application_name`` in ``pg_stat_activity``, unless the URL names one."""
_LIMIT = 10_000
"""Remembered sessions per worker: past this the oldest are read again."""


class LiveSessions:
    """Sessions by token hash, while the sessions of the state ``schema`` are heard of."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[psycopg.AsyncConnection[Any]]],
        schema: str,
        *,
        beat: float = 1.0,
    ) -> None:
        self._connect = connect
        self._schema = schema
        self._channel = f"{schema}.session_ended"  # as the h0002 trigger names it
        self._beat = beat
        self._known: dict[str, SessionInfo] = {}
        self._key_of: dict[str, str] = {}  # session id -> token hash
        self._ends = 0
        self._heard_at = -float("inf")
        self._lock = threading.Lock()  # forget_all comes from the routes' worker threads
        self._listener: asyncio.Task[None] | None = None

    @property
    def ends(self) -> int:
        """How many ends this worker has heard of: a read notes it before it begins."""
        return self._ends

    def get(self, key: str) -> SessionInfo | None:
        if not self._hearing():
            return None
        return self._known.get(key)

    def remember(self, key: str, info: SessionInfo, *, ends_before: int) -> None:
        """Keep ``info``, read under ``key`` after ``ends_before`` ends were heard."""
        self._start()
        with self._lock:
            if ends_before != self._ends or not self._hearing():
                return
            if len(self._known) >= _LIMIT:
                oldest = next(iter(self._known))
                self._key_of.pop(self._known.pop(oldest).id, None)
            self._known[key] = info
            self._key_of[info.id] = key

    def forget_all(self) -> None:
        with self._lock:
            self._ends += 1
            self._known.clear()
            self._key_of.clear()

    def _forget(self, session_id: str) -> None:
        with self._lock:
            self._ends += 1
            key = self._key_of.pop(session_id, None)
            if key is not None:
                self._known.pop(key, None)

    def _hearing(self) -> bool:
        return time.monotonic() - self._heard_at < 3 * self._beat

    def _start(self) -> None:
        """The listener, started on the event loop that serves, on the first remembering."""
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                async with await self._connect() as connection:
                    if not await _told(connection, self._schema):
                        log.warning(
                            "%s.customer_session has no session_ended trigger (run hashless "
                            "migrate): every passed request reads its session",
                            self._schema,
                        )
                        return
                    await self._hear(connection)
            except (psycopg.Error, OSError, TimeoutError) as exc:
                self._heard_at = -float("inf")
                self.forget_all()
                log.warning(
                    "Not hearing of ended sessions (%s): every passed request reads its "
                    "session until the listener is back",
                    type(exc).__name__,
                )
                await asyncio.sleep(self._beat)

    async def _hear(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """Listen until the connection fails, proving every ``beat`` that it still hears."""
        await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        self.forget_all()
        self._heard_at = time.monotonic()
        while True:
            async for notice in connection.notifies(timeout=self._beat):
                if notice.payload == "*":
                    self.forget_all()
                else:
                    self._forget(notice.payload)
            await asyncio.wait_for(connection.execute("SELECT 1"), self._beat)
            self._heard_at = time.monotonic()

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None


async def _told(connection: psycopg.AsyncConnection[Any], schema: str) -> bool:
    """Whether ``schema``'s session table has the trigger that tells of ended sessions."""
    cursor = await connection.execute(
        "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE t.tgname = 'customer_session_ended' AND c.relname = 'customer_session'"
        " AND n.nspname = %s",
        (schema,),
    )
    return await cursor.fetchone() is not None
