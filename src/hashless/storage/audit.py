"""The audit trail: one row per authentication attempt or account change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from hashless.storage.models import AuditEvent, utcnow
from hashless.storage.writes import Writes

__all__ = ["AuditEntry", "AuditLog"]


@dataclass(frozen=True)
class AuditEntry:
    event: str
    outcome: str
    customer_id: str | None = None
    actor: str = "customer"
    ip: str | None = None
    request_id: str | None = None
    detail: dict[str, Any] | None = None


_INSERT = insert(AuditEvent)
"""One row per login: a Core insert on the connection, built once. Through the ORM
session the same insert costs several times the CPU of the statement itself."""


class AuditLog:
    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def record(self, entry: AuditEntry, *, within: Connection | Writes | None = None) -> None:
        """Add ``entry``; in the transaction ``within`` if given, so that it commits
        with the change it records, or not at all."""
        if within is None:
            with self._sessions.begin() as session:
                self.record(entry, within=session.connection())
            return
        within.execute(
            _INSERT,
            {
                "at": self._clock(),
                "event": entry.event,
                "outcome": entry.outcome,
                "customer_id": entry.customer_id,
                "actor": entry.actor,
                "ip": entry.ip,
                "request_id": entry.request_id,
                "detail": entry.detail,
            },
        )

    def search(
        self,
        *,
        customer_id: str | None = None,
        event: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[AuditEvent], int]:
        statement = select(AuditEvent)
        if customer_id:
            statement = statement.where(AuditEvent.customer_id == customer_id)
        if event:
            # "login" matches login.succeeded, login.failed...
            statement = statement.where(
                (AuditEvent.event == event) | AuditEvent.event.startswith(f"{event}.")
            )
        if outcome:
            statement = statement.where(AuditEvent.outcome == outcome)
        if since:
            statement = statement.where(AuditEvent.at >= since)
        if until:
            statement = statement.where(AuditEvent.at < until)
        with self._sessions() as session:
            count = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
            rows = session.scalars(
                statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return list(rows), count
