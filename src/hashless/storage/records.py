"""The migration engine's view of the ``customer`` table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hashless.emails import email_key
from hashless.errors import AccountExists
from hashless.migration.records import CredentialRecord, CredentialState
from hashless.storage.db import LOCK_OPTIONS
from hashless.storage.models import Customer, utcnow

__all__ = ["SqlCredentialRecords", "live_accounts", "to_record"]


def live_accounts() -> Select[Customer]:
    return select(Customer).where(Customer.has_account, Customer.deleted_at.is_(None))


def to_record(row: Customer) -> CredentialRecord:
    return CredentialRecord(
        customer_id=row.id,
        email=row.email,
        state=CredentialState(row.credential_state),
        legacy_format=row.legacy_format,
        legacy_hash=row.legacy_hash,
        blocked=row.credential_blocked,
        write_fence=row.credential_fence_until,
    )


class _LockedCustomer:
    def __init__(self, session: Session, row: Customer) -> None:
        self._session = session
        self._row = row

    @property
    def record(self) -> CredentialRecord:
        return to_record(self._row)

    def mark_in_store(self) -> None:
        self._row.credential_state = CredentialState.COGNITO.value
        self._row.legacy_hash = None
        self._row.legacy_format = None
        self._row.credential_blocked = False
        self._row.credential_fence_until = None
        self._row.migrated_at = self._row.migrated_at or utcnow()

    def mark_blocked(self) -> None:
        self._row.credential_blocked = True

    def fence_writes(self, until: datetime | None) -> None:
        self._row.credential_fence_until = until

    def set_email(self, email: str) -> None:
        self._row.email = email
        self._row.email_key = email_key(email)
        try:
            self._session.flush()
        except IntegrityError:
            raise AccountExists() from None

    def mark_deleted(self) -> None:
        self._row.deleted_at = utcnow()
        self._row.credential_state = CredentialState.NONE.value
        self._row.legacy_hash = None
        self._row.legacy_format = None


class SqlCredentialRecords:
    """``CredentialRecords`` over the service's SQL database (SQLite or PostgreSQL)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def find_by_email(self, email: str) -> CredentialRecord | None:
        with self._sessions() as session:
            row = session.scalars(
                live_accounts().where(Customer.email_key == email_key(email))
            ).one_or_none()
            return to_record(row) if row else None

    def get(self, customer_id: str) -> CredentialRecord | None:
        with self._sessions() as session:
            row = session.scalars(live_accounts().where(Customer.id == customer_id)).one_or_none()
            return to_record(row) if row else None

    @contextmanager
    def locked(self, customer_id: str) -> Iterator[_LockedCustomer | None]:
        with self._sessions() as session, session.begin():
            session.connection(execution_options=LOCK_OPTIONS)
            row = session.scalars(
                live_accounts().where(Customer.id == customer_id).with_for_update()
            ).one_or_none()
            yield _LockedCustomer(session, row) if row else None
