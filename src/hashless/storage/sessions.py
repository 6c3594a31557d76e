"""Server-side sessions: cookie sessions and revocable bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from ulid import ULID

from hashless.storage.models import CustomerSession, utcnow
from hashless.tokens import new_token, token_hash

__all__ = ["SessionInfo", "SessionRepository"]

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


class SessionRepository:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        idle: timedelta,
        absolute: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self.idle = idle
        self.absolute = absolute
        self._clock = clock

    def create(
        self, customer_id: str, kind: str, *, user_agent: str | None, ip: str | None
    ) -> tuple[str, SessionInfo]:
        """A fresh session after a password login; returns the token once, never again."""
        token = new_token()
        now = self._clock()
        row = CustomerSession(
            id=f"sess_{ULID()}",
            token_hash=token_hash(token),
            customer_id=customer_id,
            kind=kind,
            created_at=now,
            authenticated_at=now,
            last_seen_at=now,
            expires_at=now + self.absolute,
            user_agent=(user_agent or "")[:512] or None,
            ip=ip,
        )
        with self._sessions.begin() as session:
            session.add(row)
        return token, SessionInfo.of(row)

    def resolve(self, token: str) -> SessionInfo | None:
        """The live session for ``token``; expired ones are deleted on sight."""
        now = self._clock()
        with self._sessions() as session:
            row = session.scalars(
                select(CustomerSession).where(CustomerSession.token_hash == token_hash(token))
            ).one_or_none()
            if row is None:
                return None
            info = SessionInfo.of(row)
        if now >= info.expires_at or now - info.last_seen_at >= self.idle:
            self.revoke(info.id)
            return None
        if now - info.last_seen_at >= _TOUCH_EVERY:
            with self._sessions.begin() as session:
                session.execute(
                    update(CustomerSession)
                    .where(CustomerSession.id == info.id)
                    .values(last_seen_at=now)
                )
        return info

    def revoke(self, session_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(CustomerSession).where(CustomerSession.id == session_id))

    def revoke_all(self, customer_id: str, *, keep: str | None = None) -> int:
        """End every session of the customer but ``keep``; returns how many ended."""
        statement = delete(CustomerSession).where(CustomerSession.customer_id == customer_id)
        if keep is not None:
            statement = statement.where(CustomerSession.id != keep)
        with self._sessions.begin() as session:
            return session.execute(statement).rowcount  # type: ignore[attr-defined,no-any-return]

    def list(self, customer_id: str) -> list[SessionInfo]:
        with self._sessions() as session:
            rows = session.scalars(
                select(CustomerSession)
                .where(CustomerSession.customer_id == customer_id)
                .order_by(CustomerSession.created_at.desc())
            ).all()
            return [SessionInfo.of(row) for row in rows]
