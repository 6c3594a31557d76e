"""The migration engine's ``CredentialRecords`` over Medusa v1's own ``customer`` table.

Columns of Medusa's ``customer`` this module writes, and nothing else:

- ``password_hash``: set to NULL once Cognito holds the password (``mark_in_store``)
  and when the customer is deleted. Never a sentinel: Medusa signs its reset tokens
  with this value, so a fixed string would let anyone reset the password.
- ``email`` (``set_email``), lower-cased as Medusa stores it.
- ``deleted_at`` (``mark_deleted``): Medusa's own soft delete.
- ``updated_at`` with each of those.

Registration's row and its ``customer.created`` event are ``customers.py``'s.

Where a password can be checked is read from two places. Medusa's
``password_hash`` is the truth for "legacy": a hash there is the newest password,
even for a customer whose password is in Cognito (Medusa's admin API, or a Medusa
route reached directly, wrote it), so the next login checks it, moves it to Cognito
and empties the column, and the older Cognito password stops working. hashless'
credential mark (its state schema) is the truth for "cognito" and for "blocked".
Both are read in one query, and locked in one transaction: ``SELECT ... FOR UPDATE``
on Medusa's row, the mark written beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    delete,
    func,
    null,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hashless.errors import AccountExists
from hashless.migration.records import CredentialRecord, CredentialState
from hashless.platforms.medusa_v1.tables import customer
from hashless.storage.hosted.marks import MARK, mark_moved, upsert_mark

__all__ = [
    "BY_EMAIL",
    "BY_ID",
    "MARK",
    "MedusaCredentialRecords",
    "live",
    "medusa_email",
    "record_from",
    "upsert_mark",
]

live = and_(customer.c.has_account.is_(True), customer.c.deleted_at.is_(None))
"""Medusa's own idea of an account that can log in."""


def medusa_email(email: str) -> str:
    """As Medusa stores and looks up emails: lower-cased (JavaScript's toLowerCase)."""
    return email.strip().lower()


_RECORD_COLUMNS = (
    customer.c.id,
    customer.c.email,
    customer.c.password_hash,
    MARK.c.in_store,
    MARK.c.blocked,
    MARK.c.fence_until,
)


def record_from(values: Sequence[Any]) -> CredentialRecord:
    """The record of ``(id, email, password_hash, in_store, blocked, fence_until)``."""
    customer_id, email, password_hash, in_store, blocked, fence_until = values
    if password_hash is not None:
        state = CredentialState.LEGACY
    elif in_store:
        state = CredentialState.COGNITO
    else:
        state = CredentialState.NONE
    return CredentialRecord(
        customer_id=customer_id,
        email=email,
        state=state,
        # None: the registry detects it (Medusa v1's parameters, or a hash another
        # tool wrote with others).
        legacy_format=None,
        legacy_hash=password_hash,
        blocked=bool(blocked) and password_hash is not None,
        write_fence=fence_until,
    )


_RECORDS = (
    select(*_RECORD_COLUMNS)
    .select_from(customer.outerjoin(MARK, MARK.c.customer_id == customer.c.id))
    .where(live)
)
BY_EMAIL = customer.c.email == bindparam("email")
BY_ID = customer.c.id == bindparam("customer_id")
# Built once: a statement memoizes its cache key, which SQLAlchemy would otherwise
# compute afresh on every login.
_RECORD_BY_EMAIL = _RECORDS.where(BY_EMAIL)
_RECORD_BY_ID = _RECORDS.where(BY_ID)
_LOCK = _RECORD_BY_ID.with_for_update(of=customer)
_EMPTY_HASH = update(customer).where(BY_ID).values(password_hash=null(), updated_at=func.now())


@dataclass
class _LockedMedusaCustomer:
    connection: Connection
    current: CredentialRecord

    @property
    def record(self) -> CredentialRecord:
        return self.current

    def _touch(self, **values: Any) -> None:
        self.connection.execute(
            update(customer)
            .where(customer.c.id == self.current.customer_id)
            .values(updated_at=func.now(), **values)
        )

    def mark_in_store(self) -> None:
        self.current = mark_moved(self.connection, self.current, along=_EMPTY_HASH)

    def mark_blocked(self) -> None:
        upsert_mark(self.connection, self.current.customer_id, blocked=True)
        self.current = replace(self.current, blocked=True)

    def fence_writes(self, until: datetime | None) -> None:
        upsert_mark(self.connection, self.current.customer_id, fence_until=until)
        self.current = replace(self.current, write_fence=until)

    def set_email(self, email: str) -> None:
        email = medusa_email(email)
        try:
            with self.connection.begin_nested():
                self._touch(email=email)
        except IntegrityError:
            # Medusa's unique (email, has_account) index: another account holds it.
            raise AccountExists() from None
        self.current = replace(self.current, email=email)

    def mark_deleted(self) -> None:
        self._touch(deleted_at=func.now(), password_hash=None)
        self.connection.execute(delete(MARK).where(MARK.c.customer_id == self.current.customer_id))
        self.current = replace(
            self.current, state=CredentialState.NONE, legacy_hash=None, legacy_format=None
        )


class MedusaCredentialRecords:
    """``CredentialRecords`` over Medusa v1's ``customer`` and hashless' credential marks."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        # A lock's transaction on a Core connection of the sessions' engine: an ORM
        # session around it adds CPU to each of a first login's two locks, not safety.
        self._engine: Engine = sessions.kw["bind"]

    def find_by_email(self, email: str) -> CredentialRecord | None:
        return self._one(_RECORD_BY_EMAIL, {"email": medusa_email(email)})

    def get(self, customer_id: str) -> CredentialRecord | None:
        return self._one(_RECORD_BY_ID, {"customer_id": customer_id})

    def _one(self, statement: Select[Any], values: dict[str, str]) -> CredentialRecord | None:
        with self._sessions() as session:
            row = session.execute(statement, values).one_or_none()
        return record_from(row) if row is not None else None

    @contextmanager
    def locked(self, customer_id: str) -> Iterator[_LockedMedusaCustomer | None]:
        with self._engine.begin() as connection:
            row = connection.execute(_LOCK, {"customer_id": customer_id}).one_or_none()
            if row is not None:
                # Read again now that the lock is held: the locking statement sees the
                # mark in its own snapshot, which predates the commit of the holder it
                # waited for (a fence or in_store that holder wrote would be missing).
                row = connection.execute(_RECORD_BY_ID, {"customer_id": customer_id}).one()
            yield _LockedMedusaCustomer(connection, record_from(row)) if row else None
