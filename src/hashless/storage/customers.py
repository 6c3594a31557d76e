"""Customer rows as the HTTP service and the CLI see them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hashless.emails import email_key
from hashless.errors import AccountExists
from hashless.legacy import VerifierRegistry, default_registry, hash_is_weak
from hashless.migration.records import CredentialRecord, CredentialState
from hashless.storage.db import LOCK_OPTIONS
from hashless.storage.layout import CredentialStats, CustomerRow
from hashless.storage.models import Customer
from hashless.storage.records import SqlCredentialRecords, live_accounts, to_record

__all__ = ["CredentialStats", "CustomerRepository", "LegacyCustomer"]


@functools.cache
def _registry() -> VerifierRegistry:
    return default_registry()


_BY_EMAIL_KEY = live_accounts().where(Customer.email_key == bindparam("email_key"))
"""Built once, so its cache key is too; read on every login."""

PROFILE_FIELDS = frozenset({"first_name", "last_name", "phone", "billing_address", "metadata"})


@dataclass(frozen=True)
class LegacyCustomer:
    """An account customer arriving from another platform with its hash."""

    email: str
    legacy_format: str
    legacy_hash: str
    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def __repr__(self) -> str:
        return f"LegacyCustomer(email=..., legacy_format={self.legacy_format!r})"


class CustomerRepository:
    """hashless' own customer table (the standalone platform's ``CustomerTable``)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.records = SqlCredentialRecords(sessions)

    @property
    def accounts(self) -> Select[Any]:
        return live_accounts()

    @property
    def account_id(self) -> ColumnElement[str]:
        return Customer.id.expression

    def row_of(self, values: Sequence[Any]) -> Customer:
        customer: Customer = values[0]
        return customer

    def existing_ids(self, customer_ids: Sequence[str]) -> set[str]:
        with self._sessions() as session:
            return set(session.scalars(select(Customer.id).where(Customer.id.in_(customer_ids))))

    def clear_credential(self, customer_id: str, still_gone: Callable[[], bool]) -> bool:
        with self._sessions() as session, session.begin():
            session.connection(execution_options=LOCK_OPTIONS)
            row = session.scalars(
                live_accounts().where(Customer.id == customer_id).with_for_update()
            ).one_or_none()
            if row is None or row.credential_state != CredentialState.COGNITO.value:
                return False
            if not still_gone():
                return False
            row.credential_state = CredentialState.NONE.value
        return True

    @property
    def status_rows(self) -> Select[Any]:
        columns: tuple[Any, ...] = (
            Customer.id,
            Customer.email,
            Customer.legacy_format,
            Customer.legacy_hash,
            Customer.credential_state.label("state"),
            Customer.credential_blocked.label("blocked"),
            Customer.created_at,
            Customer.migrated_at,
            Customer.updated_at,
        )
        return select(*columns).where(Customer.has_account, Customer.deleted_at.is_(None))

    def record_of(self, row: CustomerRow) -> CredentialRecord:
        assert isinstance(row, Customer)
        return to_record(row)

    def insert_account(
        self,
        customer_id: str,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Customer:
        """A new account customer whose password is already in the credential store."""
        row = Customer(
            id=customer_id,
            email=email,
            email_key=email_key(email),
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            metadata_=metadata,
            has_account=True,
            credential_state=CredentialState.COGNITO.value,
            credential_blocked=False,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise AccountExists() from None
        return row

    def insert_legacy(self, customers: Iterable[LegacyCustomer], new_id: Any) -> list[str]:
        """Insert legacy account customers (demo seeding, tests); returns their ids."""
        ids = []
        with self._sessions.begin() as session:
            for customer in customers:
                customer_id = customer.id or new_id()
                session.add(
                    Customer(
                        id=customer_id,
                        email=customer.email,
                        email_key=email_key(customer.email),
                        first_name=customer.first_name,
                        last_name=customer.last_name,
                        has_account=True,
                        credential_state=CredentialState.LEGACY.value,
                        legacy_format=customer.legacy_format,
                        legacy_hash=customer.legacy_hash,
                        legacy_weak=hash_is_weak(
                            _registry(), customer.legacy_hash, format_name=customer.legacy_format
                        ),
                        credential_blocked=False,
                    )
                )
                ids.append(customer_id)
        return ids

    def get(self, customer_id: str, *, within: Connection | None = None) -> Customer | None:
        with self._sessions() if within is None else Session(bind=within) as session:
            return session.scalars(live_accounts().where(Customer.id == customer_id)).one_or_none()

    def find_by_email(self, email: str, *, within: Session | None = None) -> Customer | None:
        """The live account customer with this email (case-insensitive), if any; read in
        ``within`` if given."""
        if within is None:
            with self._sessions() as session:
                return self.find_by_email(email, within=session)
        return within.scalars(_BY_EMAIL_KEY, {"email_key": email_key(email)}).one_or_none()

    def update_profile(self, customer_id: str, changes: dict[str, Any]) -> Customer | None:
        """Apply name, phone, address and metadata changes (never credentials)."""
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        with self._sessions.begin() as session:
            row = session.scalars(live_accounts().where(Customer.id == customer_id)).one_or_none()
            if row is None:
                return None
            for field, value in changes.items():
                setattr(row, "metadata_" if field == "metadata" else field, value)
            return row

    def search(self, query: str | None, limit: int, offset: int) -> tuple[list[Customer], int]:
        statement = live_accounts()
        if query:
            pattern = f"%{query.casefold()}%"
            statement = statement.where(
                or_(
                    Customer.email_key.like(pattern),
                    func.lower(Customer.first_name).like(pattern),
                    func.lower(Customer.last_name).like(pattern),
                    Customer.id == query,
                )
            )
        with self._sessions() as session:
            count = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
            rows = session.scalars(
                statement.order_by(Customer.created_at.desc(), Customer.id)
                .limit(limit)
                .offset(offset)
            ).all()
            return list(rows), count

    def credential_stats(self) -> CredentialStats:
        with self._sessions() as session:
            counts: dict[str, int] = {
                state: count
                for state, count in session.execute(
                    select(Customer.credential_state, func.count())
                    .where(Customer.has_account, Customer.deleted_at.is_(None))
                    .group_by(Customer.credential_state)
                ).all()
            }
            blocked, weak = session.execute(
                select(
                    func.count().filter(Customer.credential_blocked),
                    func.count().filter(Customer.legacy_weak.is_(True)),
                ).where(
                    Customer.has_account,
                    Customer.deleted_at.is_(None),
                    Customer.credential_state == CredentialState.LEGACY.value,
                )
            ).one()
        return CredentialStats(
            total=sum(counts.values()),
            legacy=counts.get("legacy", 0),
            cognito=counts.get("cognito", 0),
            none=counts.get("none", 0),
            blocked=blocked or 0,
            weak=weak or 0,
        )
