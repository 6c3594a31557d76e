"""``hashless harden``: every weak legacy hash at rest wrapped in Argon2id, in batches.

The rows are read in id order, a batch at a time; the expensive part (one Argon2id per
weak hash, ``HardenedVerifier.wrap``) runs on worker threads with no transaction open,
and each batch's results are written in one short transaction. A row is only replaced
if it still holds the hash that was wrapped (compare-and-set), so a customer who logs
in and migrates meanwhile, or whose hash a new import replaced, is left as it is; and
the migration engine, seeing the record change under it, verifies again against the
hardened value. Interrupted, it loses at most the batch in flight: hardened rows are
no longer weak, so a new run picks up where the last one stopped, and a second full
run finds nothing to do.

Each row's ``legacy_weak`` flag is set as it is judged, so ``/admin/credentials/stats``
counts what is left. A weak hash in a format without a recomputable digest (bcrypt or
Argon2 below the floor, Django's scrypt) is reported and left alone.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, func, or_, select, update

from hashless.errors import MalformedHash
from hashless.legacy import (
    HARDENED_FORMAT,
    HardenedVerifier,
    StrengthAware,
    VerifierRegistry,
    WrapCost,
)
from hashless.migration.records import CredentialState
from hashless.storage import AuditEntry, Database
from hashless.storage.models import Customer

__all__ = ["DEFAULT_HARDEN_BATCH", "HardenSummary", "harden_hashes"]

DEFAULT_HARDEN_BATCH = 200
"""Rows per transaction: about 3 s of Argon2id on two cores at the floor cost."""

_UNDETECTED = "undetected"
_TABLE = cast(Table, Customer.__table__)


@dataclass
class HardenSummary:
    dry_run: bool
    cost: str
    workers: int
    examined: int = 0
    hardened: int = 0
    """Weak hashes wrapped (in a dry run: that would be)."""
    strong: int = 0
    """Hashes at or above the floor, left as they are."""
    unwrappable: Counter[str] = field(default_factory=Counter)
    """Weak hashes, by format, that hashless cannot wrap."""
    unknown: Counter[str] = field(default_factory=Counter)
    """Hashes whose strength cannot be judged (unknown format, malformed), by format."""
    changed: int = 0
    """Rows that migrated or changed while being wrapped: left to their new state."""
    remaining_weak: int = 0
    """Weak legacy hashes still in the database when the run ended."""
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.hardened / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "cost": self.cost,
            "workers": self.workers,
            "examined": self.examined,
            "hardened": self.hardened,
            "strong": self.strong,
            "unwrappable": dict(self.unwrappable.most_common()),
            "unknown": dict(self.unknown.most_common()),
            "changed": self.changed,
            "remaining_weak": self.remaining_weak,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }

    def render(self) -> str:
        verb = "would be hardened (dry run)" if self.dry_run else "hardened"
        lines = [
            f"hashless harden: {self.examined:,} legacy hashes examined in {self.seconds:.1f} s",
            f"  {verb:<28} {self.hardened:>10,}   Argon2id {self.cost}, "
            f"{self.workers} workers, {self.rows_per_second:,.1f} hashes/s",
            f"  {'already at the floor':<28} {self.strong:>10,}",
            f"  {'changed meanwhile':<28} {self.changed:>10,}",
        ]
        for name, n in self.unwrappable.most_common():
            lines.append(f"  {'weak, cannot wrap ' + name:<28} {n:>10,}")
        for name, n in self.unknown.most_common():
            lines.append(f"  {'strength unknown ' + name:<28} {n:>10,}")
        lines.append(f"  {'weak hashes left':<28} {self.remaining_weak:>10,}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class _Row:
    id: str
    format: str
    encoded: str
    weak: bool


class _Judge:
    """Names and judges stored hashes through the registry (parsing only, no hashing)."""

    def __init__(self, registry: VerifierRegistry) -> None:
        self._registry = registry
        # isinstance() against a runtime-checkable protocol is slow: once per format.
        self._judges: dict[str, StrengthAware] = {}
        for name in registry.names:
            verifier = registry.get(name)
            if isinstance(verifier, StrengthAware):
                self._judges[name] = verifier

    def __call__(self, customer_id: str, format_name: str | None, encoded: str) -> _Row | None:
        """The row with its format and weakness; None if its strength cannot be judged."""
        if not format_name:
            detected = self._registry.detect(encoded)
            format_name = detected.name if detected is not None else None
        judge = self._judges.get(format_name or "")
        if judge is None or format_name is None:
            return None
        try:
            return _Row(customer_id, format_name, encoded, judge.is_weak(encoded))
        except MalformedHash:
            return None


def _wrapper(registry: VerifierRegistry) -> HardenedVerifier:
    hardened = registry.get(HARDENED_FORMAT)
    if not isinstance(hardened, HardenedVerifier):
        raise ValueError("the registry has no hardened format to wrap hashes in")
    return hardened


def harden_hashes(
    db: Database,
    registry: VerifierRegistry,
    cost: WrapCost | None = None,
    *,
    batch_size: int = DEFAULT_HARDEN_BATCH,
    workers: int | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> HardenSummary:
    """Wrap every weak legacy hash; ``on_progress(examined, total)`` after each batch.

    ``limit`` stops after that many hashes are hardened (the rest wait for a next run).
    """
    cost = cost or WrapCost()
    workers = workers or os.cpu_count() or 1
    judge = _Judge(registry)
    wrapper = _wrapper(registry)
    wrapper.check_cost(cost)  # before any row, dry run included
    summary = HardenSummary(dry_run=dry_run, cost=str(cost), workers=workers)
    started = time.perf_counter()
    c = _TABLE.c
    pending = (c.credential_state == CredentialState.LEGACY.value) & or_(
        c.legacy_weak.is_(None), c.legacy_weak
    )
    with db.engine.connect() as connection:
        total = connection.scalar(select(func.count()).where(pending)) or 0

    def wrap(row: _Row) -> str | None:
        if dry_run:
            return "" if wrapper.can_wrap(row.format, row.encoded) else None
        return wrapper.wrap(row.format, row.encoded, cost)

    after = ""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hashless-harden") as pool:
        while limit is None or summary.hardened < limit:
            with db.engine.connect() as connection:
                rows = connection.execute(
                    select(c.id, c.legacy_format, c.legacy_hash)
                    .where(pending, c.id > after)
                    .order_by(c.id)
                    .limit(batch_size)
                ).all()
            if not rows:
                break
            after = rows[-1][0]
            judged = []
            for customer_id, format_name, encoded in rows:
                row = judge(customer_id, format_name, encoded or "")
                if row is None:
                    summary.unknown[format_name or _UNDETECTED] += 1
                else:
                    judged.append(row)
            weak = [row for row in judged if row.weak]
            if limit is not None:
                # Rows past the limit are neither wrapped nor written: the next run's.
                judged = [r for r in judged if not r.weak] + weak[: limit - summary.hardened]
                weak = weak[: limit - summary.hardened]
            summary.examined += len(rows)
            wrapped = dict(zip([r.id for r in weak], pool.map(wrap, weak), strict=True))
            _write(db, judged, wrapped, summary)
            if on_progress is not None:
                on_progress(summary.examined, total)
    summary.remaining_weak = db.customers.credential_stats().weak
    summary.seconds = time.perf_counter() - started
    if not dry_run:
        db.audit.record(
            AuditEntry(
                event="credentials.hardened",
                outcome="failed" if summary.unwrappable else "succeeded",
                actor="system",
                detail={
                    "hardened": str(summary.hardened),
                    "cost": summary.cost,
                    "remaining_weak": str(summary.remaining_weak),
                },
            )
        )
    return summary


def _write(
    db: Database, judged: list[_Row], wrapped: dict[str, str | None], summary: HardenSummary
) -> None:
    """One transaction: each judged row's flag, or its wrapped hash, if the row is unchanged.

    In a dry run the transaction is rolled back: the counts say what would change.
    """
    with db.engine.connect() as connection, connection.begin() as transaction:
        for row in judged:
            hardened = wrapped.get(row.id)
            if hardened is not None:
                values: dict[str, object] = {"legacy_weak": False}
                if hardened:
                    values |= {"legacy_hash": hardened, "legacy_format": HARDENED_FORMAT}
                if _replace(connection, row, values):
                    summary.hardened += 1
                else:
                    summary.changed += 1
                continue
            if row.weak:
                summary.unwrappable[row.format] += 1
            else:
                summary.strong += 1
            _replace(connection, row, {"legacy_weak": row.weak})
        if summary.dry_run:
            transaction.rollback()


def _replace(connection: Connection, row: _Row, values: dict[str, object]) -> bool:
    """Compare-and-set: change the row only if it still holds the hash that was judged."""
    c = _TABLE.c
    result = connection.execute(
        update(_TABLE)
        .where(
            c.id == row.id,
            c.credential_state == CredentialState.LEGACY.value,
            c.legacy_hash == row.encoded,
        )
        .values(**values)
    )
    return result.rowcount == 1
