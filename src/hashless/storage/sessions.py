"""Server-side sessions: cookie sessions and revocable bearer tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from ulid import ULID

from hashless.storage.layout import CustomerRow, CustomerTable
from hashless.storage.models import CustomerSession, utcnow
from hashless.storage.writes import Writes
from hashless.tokens import new_token, token_hash

__all__ = ["SESSION_LOOKUP", "SessionInfo", "SessionRepository"]

_TOUCH_EVERY = timedelta(minutes=1)
"""Idle tracking need not be exact; writing on every request would be."""


@dataclass(frozen=True)
class SessionInfo:
    id: str
    customer_id: str
    kind: str
    created_at: datetime
    authenticated_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None

    @classmethod
    def of(cls, row: CustomerSession) -> SessionInfo:
        return cls(
            id=row.id,
            customer_id=row.customer_id,
            kind=row.kind,
            created_at=row.created_at,
            authenticated_at=row.authenticated_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip=row.ip,
        )


_INFO_COLUMNS = tuple(getattr(CustomerSession, f.name) for f in fields(SessionInfo))
"""A session's columns as ``SessionInfo`` wants them: a column read costs less than an
ORM object, and a session check is the service's most frequent query."""


def _info(values: Sequence[Any]) -> SessionInfo:
    return SessionInfo(*values)


_INSERT = insert(CustomerSession)
"""A Core insert on the connection: through the ORM session it costs several times more."""
_BY_TOKEN = CustomerSession.token_hash == bindparam("token_hash")
SESSION_LOOKUP = select(*_INFO_COLUMNS).where(_BY_TOKEN)
"""The session check: binds ``token_hash``; its columns make a ``SessionInfo`` in order.
Built once: a statement object memoizes its cache key, which SQLAlchemy would otherwise
compute afresh on every check. A reader with a connection of its own (the Medusa
pass-through's) runs it compiled, then hands the row to :meth:`SessionRepository.settle`."""
_REVOKE = delete(CustomerSession).where(_BY_TOKEN)
"""Built once, so that it can join a login's other writes (``hashless.storage.writes``)."""


class SessionRepository:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        customers: CustomerTable,
        *,
        idle: timedelta,
        absolute: timedelta,
        clock: Callable[[], datetime] = utcnow,
        readers: sessionmaker[Session] | None = None,
    ) -> None:
        self._sessions = sessions
        self._readers = readers or sessions
        self._customers = customers
        # Built once, like SESSION_LOOKUP, for the platform's customer table.
        self._session_and_customer = (
            customers.accounts.add_columns(*_INFO_COLUMNS)
            .join(CustomerSession, CustomerSession.customer_id == customers.account_id)
            .where(_BY_TOKEN)
        )
        self.idle = idle
        self.absolute = absolute
        self._clock = clock
        self.on_end: list[Callable[[], None]] = []
        """Called after this repository ends a session (before the commit, when it ends
        one in a caller's transaction): whoever remembers live sessions forgets them."""

    def create(
        self,
        customer_id: str,
        kind: str,
        *,
        user_agent: str | None,
        ip: str | None,
        within: Connection | Writes | None = None,
    ) -> tuple[str, SessionInfo]:
        """A fresh session after a password login; returns the token once, never again.

        Inserted in the transaction ``within`` if given (with the login's audit row).
        """
        token = new_token()
        now = self._clock()
        info = SessionInfo(
            id=f"sess_{ULID()}",
            customer_id=customer_id,
            kind=kind,
            created_at=now,
            authenticated_at=now,
            last_seen_at=now,
            expires_at=now + self.absolute,
            user_agent=(user_agent or "")[:512] or None,
            ip=ip,
        )
        row = {"token_hash": token_hash(token), **asdict(info)}
        if within is None:
            with self._sessions.begin() as session:
                session.connection().execute(_INSERT, row)
        else:
            within.execute(_INSERT, row)
        return token, info

    def resolve(self, token: str) -> SessionInfo | None:
        """The live session for ``token``; expired ones are deleted on sight."""
        row = self._live(SESSION_LOOKUP, token)
        return _info(row) if row is not None else None

    def resolve_with_customer(self, token: str) -> tuple[SessionInfo, CustomerRow] | None:
        """The live session for ``token`` and its live customer, in one query.

        None when either is gone: a session outliving its customer opens nothing.
        """
        row = self._live(self._session_and_customer, token)
        if row is None:
            return None
        split = len(row) - len(_INFO_COLUMNS)
        return _info(row[split:]), self._customers.row_of(row[:split])

    def _live(self, statement: Select[Any], token: str) -> Row[Any] | None:
        """The row ``statement`` finds for ``token``'s session, if that session is live.

        ``statement`` selects ``_INFO_COLUMNS`` last and binds ``token_hash``. The
        expiry delete and the once-a-minute touch are transactions of their own: on
        SQLite a read that turned into a write could not wait for the write lock.
        """
        now = self._clock()
        with self._readers() as session:
            # A statement of columns only runs on the connection: the ORM's execute
            # would cost as much again, and every request the Medusa pass-through
            # forwards with a session pays for this read. One that selects an entity
            # needs the ORM to build it.
            executor = session.connection() if statement is SESSION_LOOKUP else session
            row = executor.execute(statement, {"token_hash": token_hash(token)}).one_or_none()
        if row is None:
            return None
        return row if self.settle(_info(row[-len(_INFO_COLUMNS) :]), now) else None

    def now(self) -> datetime:
        """The time sessions are judged by (a test's fake clock, if it swapped one in)."""
        return self._clock()

    def settled(self, info: SessionInfo, now: datetime) -> bool:
        """Whether ``info``, read at ``now``, is live with nothing to write: then
        :meth:`settle` would do nothing and need not be called."""
        return now < info.expires_at and now - info.last_seen_at < min(self.idle, _TOUCH_EVERY)

    def settle(self, info: SessionInfo, now: datetime) -> bool:
        """Whether the session ``info`` (read at ``now``) is live; an expired one is
        deleted, a live one's ``last_seen_at`` moved on once a minute."""
        if now >= info.expires_at or now - info.last_seen_at >= self.idle:
            self.revoke(info.id)
            return False
        if now - info.last_seen_at >= _TOUCH_EVERY:
            with self._sessions.begin() as session:
                session.execute(
                    update(CustomerSession)
                    .where(CustomerSession.id == info.id)
                    .values(last_seen_at=now)
                )
        return True

    def revoke(self, session_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(CustomerSession).where(CustomerSession.id == session_id))
        self._ended()

    def revoke_token(self, token: str, *, within: Connection | Writes) -> None:
        """End the session ``token`` opens, whoever's it is, in the transaction ``within``."""
        within.execute(_REVOKE, {"token_hash": token_hash(token)})
        self._ended()

    def revoke_all(self, customer_id: str, *, keep: str | None = None) -> int:
        """End every session of the customer but ``keep``; returns how many ended."""
        statement = delete(CustomerSession).where(CustomerSession.customer_id == customer_id)
        if keep is not None:
            statement = statement.where(CustomerSession.id != keep)
        with self._sessions.begin() as session:
            ended: int = session.execute(statement).rowcount  # type: ignore[attr-defined]
        self._ended()
        return ended

    def _ended(self) -> None:
        for forget in self.on_end:
            forget()

    def list(self, customer_id: str) -> list[SessionInfo]:
        with self._sessions() as session:
            rows = session.scalars(
                select(CustomerSession)
                .where(CustomerSession.customer_id == customer_id)
                .order_by(CustomerSession.created_at.desc())
            ).all()
            return [SessionInfo.of(row) for row in rows]
