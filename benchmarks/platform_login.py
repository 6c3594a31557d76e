"""CPU per migrated login, in process, standalone vs medusa-v1, on the same PostgreSQL.

    .venv/bin/python benchmarks/platform_login.py [logins]

What ``LoginGuard.login`` (the whole of ``POST /store/auth`` below HTTP: throttle read,
customer read, password check, audit and session write) costs hashless' process for a
customer already in the credential store, with an in-memory store (no Cognito time):
once over hashless' own customer table, once over Medusa v1's ``customer`` with the
state schema beside it. Prints the median of five alternating rounds, in CPU and wall
milliseconds per login.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.medusa_v1_schema

from sqlalchemy import create_engine, text
from tests.medusa_v1_schema import MEDUSA_V1_DDL
from tests.support import scratch_database

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.platforms.medusa_v1 import medusa_v1_layout
from hashless.service.guard import LoginGuard
from hashless.service.logins import NewSession, RequestOrigin
from hashless.service.timing import FailureFloor
from hashless.storage import STANDALONE, Database, StoreLayout

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CUSTOMERS = 1000
PASSWORD = "a password in the store"
ROUNDS = 5


def _seed(db: Database, store: InMemoryCredentialStore) -> list[str]:
    emails = [f"c{i}@bench.example" for i in range(CUSTOMERS)]
    for i, email in enumerate(emails):
        customer_id = f"cus_bench{i:021d}"
        db.customers.insert_account(customer_id, email)
        store.create(customer_id, email)
        store.set_password(customer_id, PASSWORD)
    return emails


def _guard(url: str, layout: StoreLayout) -> tuple[Database, LoginGuard, list[str]]:
    db = Database.connect(url, layout=layout)
    store = InMemoryCredentialStore()
    emails = _seed(db, store)
    engine = MigrationEngine(db.records, store, default_registry())
    return db, LoginGuard(engine, db, FailureFloor(0.0)), emails


def _round(guard: LoginGuard, emails: list[str], logins: int) -> tuple[float, float]:
    """CPU and wall milliseconds per login over ``logins`` logins one after the other."""
    origin, session = RequestOrigin(ip="127.0.0.1"), NewSession("cookie")
    started_cpu, started = time.process_time(), time.perf_counter()
    for i in range(logins):
        guard.login(emails[i % CUSTOMERS], PASSWORD, origin, session)
    return (
        (time.process_time() - started_cpu) / logins * 1000,
        (time.perf_counter() - started) / logins * 1000,
    )


def main() -> int:
    logins = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with (
        scratch_database(SERVER, "hashless_bench_own") as own,
        scratch_database(SERVER, "hashless_bench_medusa") as medusa,
    ):
        engine = create_engine(medusa)
        with engine.begin() as connection:
            connection.execute(text(MEDUSA_V1_DDL))
        engine.dispose()
        modes = {
            "standalone": _guard(own, STANDALONE),
            "medusa-v1": _guard(medusa, medusa_v1_layout("hashless")),
        }
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in modes}
        # Rounds alternate, so both modes meet the same load on a shared machine.
        for _ in range(ROUNDS):
            for name, (_, guard, emails) in modes.items():
                figures[name].append(_round(guard, emails, logins))
        for db, _, _ in modes.values():
            db.engine.dispose()
    for name, rounds in figures.items():
        cpu = statistics.median(r[0] for r in rounds)
        wall = statistics.median(r[1] for r in rounds)
        print(f"{name:<11} {cpu:6.3f} ms CPU  {wall:6.3f} ms wall per login (median of {ROUNDS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
