"""Benchmark ``collect_status`` (``hashless status``, the dashboard) over many legacy hashes.

    .venv/bin/python benchmarks/status_exposure.py --rows 100000
    .venv/bin/python benchmarks/status_exposure.py --rows 100000 --backend postgresql

Inserts ``--rows`` legacy customers (Medusa v1 and v2 hashes, half each) into a scratch
SQLite file or a scratch PostgreSQL database (127.0.0.1:5432, user postgres), then times
one ``collect_status`` call after a warm-up call. Judging strength parses every legacy
hash, so the time grows with the legacy rows left. It measures and reports; it asserts
nothing about speed. The scratch database is removed at the end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, insert, text

from hashless.demo.run import DEMO_CUSTOMERS
from hashless.legacy import default_registry
from hashless.ops.status import collect_status
from hashless.storage import Database
from hashless.storage.models import Customer, utcnow

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_url(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"hashless_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    v1, v2 = DEMO_CUSTOMERS
    now = utcnow()
    with scratch_url(args.backend) as url:
        db = Database.connect(url)
        batch = 10_000
        with db.engine.begin() as connection:
            for start in range(0, args.rows, batch):
                connection.execute(
                    insert(Customer),
                    [
                        {
                            "id": f"cus_{i:026d}",
                            "email": f"c{i}@example.com",
                            "email_key": f"c{i}@example.com",
                            "has_account": True,
                            "credential_state": "legacy",
                            "legacy_format": (v1 if i % 2 else v2).legacy_format,
                            "legacy_hash": (v1 if i % 2 else v2).legacy_hash,
                            "credential_blocked": False,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for i in range(start, min(start + batch, args.rows))
                    ],
                )
        registry = default_registry()
        collect_status(db, registry)
        started = time.perf_counter()
        report = collect_status(db, registry, days=30)
        seconds = time.perf_counter() - started
        db.engine.dispose()
    print(
        f"{args.backend}: {args.rows:,} legacy customers, collect_status {seconds:.2f} s "
        f"({1e6 * seconds / max(args.rows, 1):.1f} µs a row), {report.weak:,} below the floor"
    )


if __name__ == "__main__":
    main()
