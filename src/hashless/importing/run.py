"""One import run: stream the source, prepare each row, write in batches, sum up.

Reading and checking rows is Python work; writing a batch is mostly the database's.
A single writer thread writes one batch while the next is prepared, so the two
overlap, and at most three batches are ever in memory.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from hashless.identity import new_customer_id
from hashless.importing.rows import AUTO, PreparedRow, RowPreparer
from hashless.importing.sources import Source
from hashless.importing.summary import ImportSummary
from hashless.importing.writer import BatchResult, ImportWriter
from hashless.legacy import HARDENED_FORMAT, HardenedVerifier, VerifierRegistry
from hashless.storage import AuditEntry, Database

__all__ = ["DEFAULT_BATCH_SIZE", "import_customers"]

DEFAULT_BATCH_SIZE = 5000
"""Rows per transaction."""


@contextmanager
def _short_gil_turns() -> Iterator[None]:
    """Hand the GIL over every 0.5 ms instead of 5 ms while the import runs.

    The writer thread needs the GIL back after each database round trip; with the
    default interval it waits up to 5 ms behind the preparing thread every time, and
    the database idles. Measured: about 19,000 rows/s at 5 ms, 30,000 at 0.5 ms.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def import_customers(
    db: Database,
    source: Source,
    registry: VerifierRegistry,
    *,
    format_name: str = AUTO,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    new_id: Callable[[], str] = new_customer_id,
) -> ImportSummary:
    """Import every row of ``source``; ``on_progress`` hears the source's position."""
    started = time.perf_counter()
    preparer = RowPreparer(registry, format_name)
    hardened = registry.get(HARDENED_FORMAT)
    writer = ImportWriter(
        db.engine,
        stamp=db.clock(),
        new_id=new_id,
        hardened=hardened if isinstance(hardened, HardenedVerifier) else None,
        dry_run=dry_run,
    )
    summary = ImportSummary(dry_run=dry_run)
    batch: list[PreparedRow] = []
    pending: Future[BatchResult] | None = None

    def settle() -> None:
        """Wait for the batch being written (re-raising its error) and count it."""
        nonlocal pending
        if pending is not None:
            summary.add_batch(pending.result())
            pending = None
            if on_progress is not None:
                on_progress(source.position)

    with (
        _short_gil_turns(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="hashless-import") as pool,
    ):
        # If reading fails, leaving this block waits for the batch in flight to commit.
        for row in source.rows():
            prepared = preparer.prepare(row)
            if not isinstance(prepared, PreparedRow):
                summary.add(prepared)
                continue
            batch.append(prepared)
            if len(batch) >= batch_size:
                settle()
                pending = pool.submit(writer.write, batch)
                batch = []
        settle()
        pending = pool.submit(writer.write, batch)
        settle()
    summary.seconds = time.perf_counter() - started
    if not dry_run:
        db.audit.record(
            AuditEntry(
                event="customers.imported",
                outcome="failed" if summary.rejected_rows else "succeeded",
                actor="system",
                detail={
                    "rows": str(summary.rows),
                    "imported": str(summary.imported),
                    "updated": str(summary.updated),
                    "rejected": str(summary.rejected_rows),
                },
            )
        )
    return summary
