"""Medusa v1's ``customer`` table as the service's routes see it (a ``CustomerTable``).

Besides what ``records.py`` writes, this module writes, in Medusa's database:

- a new ``customer`` row at registration (``id``, ``email``, ``first_name``,
  ``last_name``, ``phone``, ``has_account = true``, ``password_hash`` NULL,
  ``metadata``, ``created_at``/``updated_at``) and a ``staged_job`` row with Medusa's
  ``customer.created`` event for it, in the same transaction: Medusa's event bus
  dispatches staged jobs, so subscribers (a welcome email) run as for Medusa's own
  registration, and the event carries no hash at all (Medusa's would carry the
  password's);
- ``first_name``, ``last_name``, ``phone``, ``metadata`` and ``updated_at`` on a
  profile change that comes with a password change.

Why the row is inserted here rather than through Medusa's own register route (with
a throw-away password, then emptied): the id is hashless' own ``cus_<ULID>``, the
same form as Medusa's, so the Cognito user can be created first under it and the row,
its credential mark and its event commit together. An interrupted registration then
leaves either no row (an unused Cognito user, which ``hashless reconcile`` finds) or
a row whose password is in Cognito. Through Medusa, the row (with a throw-away hash)
would exist before the password did, and Medusa being down would fail registrations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from ulid import ULID

from hashless.errors import AccountExists
from hashless.migration.records import CredentialRecord, CredentialRecords, CredentialState
from hashless.platforms.medusa_v1.records import (
    BY_EMAIL,
    BY_ID,
    MARK,
    MedusaCredentialRecords,
    live,
    medusa_email,
    record_from,
    upsert_mark,
)
from hashless.platforms.medusa_v1.tables import ADDRESS_COLUMNS, address, customer, staged_job
from hashless.storage.layout import CredentialStats

__all__ = ["MEDUSA_V1_WEAK_PREFIX", "MedusaCustomer", "MedusaCustomers"]

MEDUSA_V1_WEAK_PREFIX = "c2NyeXB0AAEAAAABAAAAA"
"""The first 21 base64 characters of Medusa v1's scrypt-kdf header (logN 1, r 1, p 1):
a hash that starts so is below any strength floor."""

_PROFILE = frozenset({"first_name", "last_name", "phone", "metadata"})


@dataclass(frozen=True)
class MedusaCustomer:
    """One live account row of Medusa's ``customer``, with its credential mark."""

    id: str
    email: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    has_account: bool
    billing_address_id: str | None
    metadata_: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    password_hash: str | None = field(repr=False)
    in_store: bool
    blocked: bool
    migrated_at: datetime | None
    billing_address: dict[str, Any] | None
    shipping_addresses: list[dict[str, Any]]


_CUSTOMER_COLUMNS = (
    customer.c.id,
    customer.c.email,
    customer.c.first_name,
    customer.c.last_name,
    customer.c.phone,
    customer.c.has_account,
    customer.c.billing_address_id,
    customer.c.metadata,
    customer.c.created_at,
    customer.c.updated_at,
    customer.c.deleted_at,
    customer.c.password_hash,
    func.coalesce(MARK.c.in_store, False),
    func.coalesce(MARK.c.blocked, False),
    MARK.c.migrated_at,
)
_FIELDS = tuple(f.name for f in fields(MedusaCustomer))[: len(_CUSTOMER_COLUMNS)]


def _address_json(table: Any) -> ColumnElement[Any]:
    """One ``address`` row as the JSON object Medusa's answers show."""
    return func.jsonb_build_object(*(p for name in ADDRESS_COLUMNS for p in (name, table.c[name])))


_BILLING = address.alias("billing_address")
_SHIPPING = address.alias("shipping_address")
# Two JSON columns rather than an address's sixteen: a login reads this row, and each
# column costs the driver and SQLAlchemy work.
_ACCOUNTS = (
    select(
        *_CUSTOMER_COLUMNS,
        select(_address_json(_BILLING))
        .where(_BILLING.c.id == customer.c.billing_address_id)
        .scalar_subquery(),
        # The live addresses, as Medusa's ``shipping_addresses`` relation lists them.
        select(
            func.coalesce(func.jsonb_agg(_address_json(_SHIPPING)), literal_column("'[]'::jsonb"))
        )
        .where(_SHIPPING.c.customer_id == customer.c.id, _SHIPPING.c.deleted_at.is_(None))
        .scalar_subquery(),
    )
    .select_from(customer.outerjoin(MARK, MARK.c.customer_id == customer.c.id))
    .where(live)
)
_ACCOUNT_BY_EMAIL = _ACCOUNTS.where(BY_EMAIL)
_ACCOUNT_BY_ID = _ACCOUNTS.where(BY_ID)


def _row(values: Sequence[Any]) -> MedusaCustomer:
    *own, billing, shipping = values
    return MedusaCustomer(
        **dict(zip(_FIELDS, own, strict=True)), billing_address=billing, shipping_addresses=shipping
    )


_STATE = case(
    (customer.c.password_hash.is_not(None), literal_column("'legacy'")),
    (func.coalesce(MARK.c.in_store, False), literal_column("'cognito'")),
    else_=literal_column("'none'"),
)
"""A customer's ``CredentialState`` value, as ``records.record_from`` decides it."""


class MedusaCustomers:
    """The medusa-v1 platform's ``CustomerTable``: Medusa's rows, hashless' marks."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._records = MedusaCredentialRecords(sessions)
        self.records: CredentialRecords = self._records

    @property
    def accounts(self) -> Select[Any]:
        return _ACCOUNTS

    @property
    def account_id(self) -> ColumnElement[str]:
        return customer.c.id

    def row_of(self, values: Sequence[Any]) -> MedusaCustomer:
        return _row(values)

    def record_of(self, row: Any) -> CredentialRecord:
        assert isinstance(row, MedusaCustomer)
        # The write fence is read under the lock only (``CredentialRecord.write_fence``).
        return record_from((row.id, row.email, row.password_hash, row.in_store, row.blocked, None))

    def get(self, customer_id: str, *, within: Connection | None = None) -> MedusaCustomer | None:
        if within is None:
            with self._sessions() as session:
                return self.get(customer_id, within=session.connection())
        found = within.execute(_ACCOUNT_BY_ID, {"customer_id": customer_id}).one_or_none()
        return _row(found) if found is not None else None

    def find_by_email(self, email: str, *, within: Session | None = None) -> MedusaCustomer | None:
        if within is None:
            with self._sessions() as session:
                return self.find_by_email(email, within=session)
        # Columns only: the session's connection runs it without the ORM's own cost.
        found = (
            within.connection()
            .execute(_ACCOUNT_BY_EMAIL, {"email": medusa_email(email)})
            .one_or_none()
        )
        return _row(found) if found is not None else None

    def insert_account(
        self,
        customer_id: str,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> MedusaCustomer:
        """Medusa's row (no hash), its mark and its ``customer.created`` event, together."""
        values = {
            "id": customer_id,
            "email": medusa_email(email),
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "has_account": True,
            "metadata": metadata,
            "billing_address_id": None,
            "password_hash": None,
        }
        try:
            with self._sessions.begin() as session:
                connection = session.connection()
                created = connection.execute(
                    insert(customer)
                    .values(**values, created_at=func.now(), updated_at=func.now())
                    .returning(customer.c.created_at, customer.c.updated_at)
                ).one()
                upsert_mark(connection, customer_id, in_store=True)
                event = {
                    **values,
                    "created_at": created.created_at.isoformat(),
                    "updated_at": created.updated_at.isoformat(),
                    "deleted_at": None,
                }
                del event["password_hash"]
                connection.execute(
                    insert(staged_job).values(
                        id=f"job_{ULID()}", event_name="customer.created", data=event, options={}
                    )
                )
        except IntegrityError:
            # Medusa's unique (email, has_account) index: the email has an account.
            raise AccountExists() from None
        row = self.get(customer_id)
        assert row is not None
        return row

    def update_profile(self, customer_id: str, changes: dict[str, Any]) -> MedusaCustomer | None:
        unknown = set(changes) - _PROFILE
        if unknown:
            raise ValueError(
                f"hashless writes no {', '.join(sorted(unknown))} in Medusa: send it to Medusa "
                "in a request without a password"
            )
        with self._sessions.begin() as session:
            session.execute(
                customer.update()
                .where(customer.c.id == customer_id, live)
                .values(**changes, updated_at=func.now())
            )
        return self.get(customer_id)

    def search(
        self, query: str | None, limit: int, offset: int
    ) -> tuple[list[MedusaCustomer], int]:
        statement = _ACCOUNTS
        if query:
            pattern = f"%{query.lower()}%"
            statement = statement.where(
                or_(
                    customer.c.email.like(pattern),
                    func.lower(customer.c.first_name).like(pattern),
                    func.lower(customer.c.last_name).like(pattern),
                    customer.c.id == query,
                )
            )
        with self._sessions() as session:
            count = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
            rows = session.execute(
                statement.order_by(customer.c.created_at.desc(), customer.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [_row(row) for row in rows], count

    def existing_ids(self, customer_ids: Sequence[str]) -> set[str]:
        with self._sessions() as session:
            found = session.scalars(select(customer.c.id).where(customer.c.id.in_(customer_ids)))
            return set(found)

    def clear_credential(self, customer_id: str, still_gone: Callable[[], bool]) -> bool:
        with self._records.locked(customer_id) as locked:
            if locked is None or locked.record.state is not CredentialState.COGNITO:
                return False
            if not still_gone():
                return False
            upsert_mark(locked.connection, customer_id, in_store=False)
        return True

    @property
    def status_rows(self) -> Select[Any]:
        return (
            select(
                customer.c.id,
                customer.c.email,
                null().label("legacy_format"),
                customer.c.password_hash.label("legacy_hash"),
                _STATE.label("state"),
                func.coalesce(MARK.c.blocked, False).label("blocked"),
                customer.c.created_at,
                MARK.c.migrated_at,
                customer.c.updated_at,
            )
            .select_from(customer.outerjoin(MARK, MARK.c.customer_id == customer.c.id))
            .where(live)
        )

    def credential_stats(self) -> CredentialStats:
        legacy = customer.c.password_hash.is_not(None)
        state = _STATE
        with self._sessions() as session:
            total, legacy_count, cognito, blocked, weak = session.execute(
                select(
                    func.count(),
                    func.count().filter(state == "legacy"),
                    func.count().filter(state == "cognito"),
                    func.count().filter(legacy, MARK.c.blocked.is_(True)),
                    func.count().filter(customer.c.password_hash.startswith(MEDUSA_V1_WEAK_PREFIX)),
                )
                .select_from(customer.outerjoin(MARK, MARK.c.customer_id == customer.c.id))
                .where(live)
            ).one()
        return CredentialStats(
            total=total,
            legacy=legacy_count,
            cognito=cognito,
            none=total - legacy_count - cognito,
            blocked=blocked,
            weak=weak,
        )
