"""Batches of prepared rows into the customer table: idempotent, and never unsafe.

Each batch is one transaction in two steps:

1. Every row is offered to ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` (on
   PostgreSQL from a temporary table filled by ``COPY``, the fast path for millions of
   rows; on SQLite as a multi-row insert). The primary key and the one-live-account-
   per-email index refuse any row whose id or email is already taken, so an insert
   can never create a second account for an email, even against a registration
   racing the import. On a first import nearly every row ends here.
2. The refused rows are matched with what is stored, locked (``FOR UPDATE`` on
   PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` holds the write lock) so a login cannot
   overtake the decision, and judged one by one:

   * an account already in Cognito is never turned back into a legacy one;
   * a row equal to what is stored changes nothing, so a second run is a no-op,
     also after ``hashless harden`` wrapped the stored hash;
   * a customer deleted in hashless is not brought back;
   * an email held by another account is rejected;
   * otherwise the stored legacy hash is replaced (the customer changed the password
     on the old platform since the last import).

A source row with an id is matched by id (Medusa's ``cus_...`` ids are kept); one
without is matched by email, and a new customer gets ``new_customer_id()``. Every row
written carries the run's timestamp in ``updated_at``, which is how a second row for
the same customer further down the source is recognised as a duplicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    String,
    Table,
    any_,
    bindparam,
    or_,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from hashless.importing.rows import Kind, Outcome, PreparedRow
from hashless.legacy import HARDENED_FORMAT, HardenedVerifier
from hashless.migration.records import CredentialState
from hashless.storage.db import LOCK_OPTIONS
from hashless.storage.models import Customer

__all__ = ["NO_PASSWORD", "BatchResult", "ImportWriter"]

NO_PASSWORD = "(no password)"
"""The format an account without a legacy hash is counted under."""

_TABLE = cast(Table, Customer.__table__)
_STAGE = "hashless_import_stage"
_COLUMNS = (
    "id",
    "email",
    "email_key",
    "first_name",
    "last_name",
    "phone",
    "metadata",
    "has_account",
    "credential_state",
    "legacy_format",
    "legacy_hash",
    "legacy_weak",
    "credential_blocked",
    "created_at",
    "updated_at",
)
# Binary COPY is several times cheaper per row than text; it needs the column types.
_COPY_TYPES = [
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "json",
    "bool",
    "varchar",
    "varchar",
    "text",
    "bool",
    "bool",
    "timestamptz",
    "timestamptz",
]
_LEGACY = CredentialState.LEGACY.value
_NONE = CredentialState.NONE.value
_DUPLICATE = "duplicate in the source"


@dataclass
class BatchResult:
    """What one batch did: new customers counted by format, every other row's outcome."""

    imported: Counter[str] = field(default_factory=Counter)
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Stored:
    id: str
    email_key: str
    live: bool
    state: str
    legacy_format: str | None
    legacy_hash: str | None
    updated_at: datetime


class ImportWriter:
    """Writes the batches of one import run (``stamp`` marks its rows)."""

    def __init__(
        self,
        engine: Engine,
        *,
        stamp: datetime,
        new_id: Callable[[], str],
        hardened: HardenedVerifier | None = None,
        dry_run: bool = False,
    ) -> None:
        self._engine = engine
        self._stamp = stamp
        self._new_id = new_id
        self._hardened = hardened
        self._dry_run = dry_run

    def write(self, rows: Sequence[PreparedRow]) -> BatchResult:
        """One batch in one transaction (rolled back in a dry run)."""
        result = BatchResult()
        if not rows:
            return result
        offered: list[tuple[PreparedRow, str]] = []
        seen: set[str] = set()
        for row in rows:
            customer_id = row.id or self._new_id()
            if customer_id in seen or row.email_key in seen:
                # The first row for a customer wins, wherever the batches fall.
                result.outcomes.append(Outcome(Kind.REJECTED, row.line, row.id, _DUPLICATE))
            else:
                seen.update((customer_id, row.email_key))
                offered.append((row, customer_id))
        with self._engine.connect() as connection:
            connection = connection.execution_options(**LOCK_OPTIONS)
            with connection.begin() as transaction:
                inserted = self._insert(connection, offered)
                refused = [row for row, cid in offered if cid not in inserted]
                if refused:
                    stored = self._stored(connection, refused)
                    updates = self._judge(refused, stored, result.outcomes)
                    self._update(connection, updates)
                if self._dry_run:
                    transaction.rollback()
        for row, customer_id in offered:
            if customer_id in inserted:
                result.imported[row.legacy_format or NO_PASSWORD] += 1
        return result

    def _record(self, row: PreparedRow, customer_id: str) -> tuple[Any, ...]:
        return (
            customer_id,
            row.email,
            row.email_key,
            row.first_name,
            row.last_name,
            row.phone,
            row.metadata,
            True,
            _LEGACY if row.legacy_hash else _NONE,
            row.legacy_format,
            row.legacy_hash,
            row.legacy_weak,
            False,
            row.created_at or self._stamp,
            self._stamp,
        )

    def _insert(self, connection: Connection, rows: list[tuple[PreparedRow, str]]) -> set[str]:
        """The ids of the rows inserted; every other row conflicted with a stored one."""
        records = [self._record(row, customer_id) for row, customer_id in rows]
        if connection.dialect.name == "postgresql":
            return _copy_insert(connection, records)
        statement = sqlite_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id)
        values = [dict(zip(_COLUMNS, record, strict=True)) for record in records]
        return set(connection.execute(statement, values).scalars())

    def _stored(self, connection: Connection, rows: Sequence[PreparedRow]) -> list[_Stored]:
        c = _TABLE.c
        postgres = connection.dialect.name == "postgresql"

        def among(column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
            # One array parameter where the backend has arrays, not thousands of IN ones.
            if postgres:
                return column == any_(bindparam(None, values, type_=ARRAY(String())))
            return column.in_(values)

        found = connection.execute(
            select(
                c.id,
                c.email_key,
                c.has_account & c.deleted_at.is_(None),
                c.credential_state,
                c.legacy_format,
                c.legacy_hash,
                c.updated_at,
            )
            .where(
                or_(
                    among(c.id, [row.id for row in rows if row.id is not None]),
                    among(c.email_key, [row.email_key for row in rows]),
                )
            )
            .with_for_update()
        )
        return [_Stored(*row) for row in found]

    def _judge(
        self, rows: Sequence[PreparedRow], stored: list[_Stored], outcomes: list[Outcome]
    ) -> list[tuple[PreparedRow, str]]:
        """Decide each refused row; returns the updates and appends every other outcome."""
        by_id = {s.id: s for s in stored}
        by_key = {s.email_key: s for s in stored if s.live}
        updates: list[tuple[PreparedRow, str]] = []
        for row in rows:
            target = by_id.get(row.id) if row.id is not None else by_key.get(row.email_key)
            if target is None:
                holder = by_key.get(row.email_key)
                if holder is None:
                    # It conflicted a moment ago, so it was deleted since: do not guess.
                    outcome = Outcome(Kind.SKIPPED, row.line, row.id, "changed during the import")
                elif holder.updated_at == self._stamp:
                    outcome = Outcome(Kind.REJECTED, row.line, row.id, _DUPLICATE)
                else:
                    taken = "email belongs to another account"
                    outcome = Outcome(Kind.REJECTED, row.line, row.id, taken)
                outcomes.append(outcome)
                continue
            reason = self._unchanged_because(row, target)
            if reason is None:
                updates.append((row, target.id))
                outcomes.append(
                    Outcome(Kind.UPDATED, row.line, target.id, format=row.legacy_format)
                )
            else:
                kind = Kind.REJECTED if reason == _DUPLICATE else Kind.SKIPPED
                outcomes.append(Outcome(kind, row.line, target.id, reason))
        return updates

    def _unchanged_because(self, row: PreparedRow, stored: _Stored) -> str | None:
        """Why ``row`` must leave ``stored`` as it is, or None to replace its legacy hash."""
        if stored.updated_at == self._stamp:
            return _DUPLICATE
        if not stored.live:
            return "deleted or a guest in hashless"
        if stored.state == CredentialState.COGNITO.value:
            return "already in Cognito"
        if row.legacy_hash is None or row.legacy_format is None:
            return "unchanged" if stored.state == _NONE else "no hash to add"
        if (stored.legacy_format, stored.legacy_hash) == (row.legacy_format, row.legacy_hash):
            return "unchanged"
        if (
            stored.legacy_format == HARDENED_FORMAT
            and stored.legacy_hash is not None
            and self._hardened is not None
            and self._hardened.wraps(stored.legacy_hash, row.legacy_format, row.legacy_hash)
        ):
            return "unchanged"
        return None

    def _update(self, connection: Connection, rows: list[tuple[PreparedRow, str]]) -> None:
        if not rows:
            return
        c = _TABLE.c
        connection.execute(
            _TABLE.update()
            .where(c.id == bindparam("target"))
            .values(
                credential_state=_LEGACY,
                legacy_format=bindparam("format"),
                legacy_hash=bindparam("hash"),
                legacy_weak=bindparam("weak"),
                credential_blocked=False,
                updated_at=self._stamp,
            ),
            [
                {
                    "target": customer_id,
                    "format": row.legacy_format,
                    "hash": row.legacy_hash,
                    "weak": row.legacy_weak,
                }
                for row, customer_id in rows
            ],
        )


def _copy_insert(connection: Connection, records: list[tuple[Any, ...]]) -> set[str]:
    """Binary COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING."""
    columns = ", ".join(_COLUMNS)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} "
        "(LIKE customer INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(_COPY_TYPES)
        for record in records:
            copy.write_row(record)
    insert = f"INSERT INTO customer ({columns}) SELECT {columns} FROM {_STAGE}"  # noqa: S608 (constants)
    try:
        # Usually nothing conflicts (a first import), and a plain insert is far cheaper
        # than ON CONFLICT's speculative insertion into two unique indexes.
        with connection.begin_nested():
            connection.exec_driver_sql(insert)
        return {record[0] for record in records}
    except IntegrityError:
        inserted = connection.exec_driver_sql(insert + " ON CONFLICT DO NOTHING RETURNING id")
        return {row[0] for row in inserted}
