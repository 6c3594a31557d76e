"""Where a platform's customers live, as the service's storage sees them.

Every platform keeps hashless' state (sessions, reset tokens, audit, throttle) in
the same models; what differs is the customer table: hashless' own (standalone) or
the store's (Medusa). A :class:`StoreLayout` names that table's adapter and where
the state's tables and migrations live; ``Database`` is built over one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Engine, Select
from sqlalchemy.orm import Session, sessionmaker

from hashless.migration.records import CredentialRecord, CredentialRecords
from hashless.storage.db import STANDALONE_MIGRATIONS, Migrations

__all__ = ["CredentialStats", "CustomerRow", "CustomerTable", "StoreLayout"]


@dataclass(frozen=True)
class CredentialStats:
    total: int
    legacy: int
    cognito: int
    none: int
    blocked: int
    weak: int
    """Legacy hashes below the strength floor (``hashless harden`` wraps them)."""


class CustomerRow(Protocol):
    """A live account customer as the routes read it, whatever its table."""

    @property
    def id(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def has_account(self) -> bool: ...
    @property
    def billing_address(self) -> dict[str, Any] | None: ...
    @property
    def shipping_addresses(self) -> list[dict[str, Any]]: ...
    @property
    def metadata_(self) -> dict[str, Any] | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def migrated_at(self) -> datetime | None:
        """When hashless moved a legacy password to the credential store, if it did."""


class CustomerTable(Protocol):
    """A platform's customer table: the engine's records and the routes' profile access."""

    @property
    def records(self) -> CredentialRecords:
        """The migration engine's adapter over the same table."""

    @property
    def accounts(self) -> Select[Any]:
        """Live account customers: the columns ``row_of`` builds a row from."""

    @property
    def account_id(self) -> ColumnElement[str]:
        """The id column of ``accounts``, which sessions join on."""

    def row_of(self, values: Sequence[Any]) -> CustomerRow:
        """The row ``accounts`` selected, from its values."""

    def record_of(self, row: CustomerRow) -> CredentialRecord:
        """The engine's record of a row this table returned."""

    def get(self, customer_id: str, *, within: Connection | None = None) -> CustomerRow | None:
        """The live account customer with this id, if any; read in the transaction
        ``within`` if given (its own changes included)."""

    def find_by_email(self, email: str, *, within: Session | None = None) -> CustomerRow | None:
        """The live account customer with this email, if any; read in ``within`` if given."""

    def insert_account(
        self,
        customer_id: str,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> CustomerRow:
        """A new account customer whose password is already in the credential store;
        raises ``AccountExists`` if another account holds the email."""

    def update_profile(self, customer_id: str, changes: dict[str, Any]) -> CustomerRow | None:
        """Apply name, phone, address and metadata changes (never credentials)."""

    def search(
        self, query: str | None, limit: int, offset: int
    ) -> tuple[Sequence[CustomerRow], int]: ...

    def credential_stats(self) -> CredentialStats: ...

    def existing_ids(self, customer_ids: Sequence[str]) -> set[str]:
        """The ones among ``customer_ids`` that name a customer row, live or not."""

    def clear_credential(self, customer_id: str, still_gone: Callable[[], bool]) -> bool:
        """Move a customer marked as in the credential store to ``none`` (their user there
        is gone: a reset creates it again), under the customer's lock and only if the
        record still says so and ``still_gone()``, asked under the lock, agrees."""

    @property
    def status_rows(self) -> Select[Any]:
        """Live accounts for ``hashless status``, one row each, with the columns ``id``,
        ``email``, ``legacy_format`` (None: detect), ``legacy_hash``, ``state`` (a
        ``CredentialState`` value), ``blocked``, ``created_at``, ``migrated_at``,
        ``updated_at``."""


@dataclass(frozen=True)
class StoreLayout:
    """One platform's customer table and the place of hashless' state beside it."""

    customers: Callable[[sessionmaker[Session]], CustomerTable]
    migrations: Migrations = STANDALONE_MIGRATIONS
    bind: Callable[[Engine], Engine] = lambda engine: engine
    """The engine the repositories use (a schema translate map for a hosted state)."""
