"""A migrated customer's login writes, in one transaction and as one statement.

    .venv/bin/python benchmarks/login_writes.py [--rounds 3]

In this process, against a scratch PostgreSQL database with hashless' schema
(``status_exposure.scratch_url``: 127.0.0.1:5432, user postgres): the
audit row, the session and a new device of one customer, written 1500 times in
``Database.transaction()`` (``BEGIN``, three statements, ``COMMIT``) and 1500 times
in ``Database.writes()`` (one statement), alternating per round. Prints each round's
CPU (``time.process_time``) and wall time per login, in microseconds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from status_exposure import scratch_url

from hashless.storage import AuditEntry, Database

PER_ROUND = 1500
WARM = 200


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with scratch_url("postgresql") as url:
        db = Database.connect(url)
        try:
            print(json.dumps(measure(db, args.rounds), indent=2))
        finally:
            db.engine.dispose()
    return 0


def measure(db: Database, rounds: int) -> dict[str, list[dict[str, float]]]:
    customer_id = db.customers.insert_account("cus_bench", "bench@example.com").id

    def login(within: Any) -> None:
        entry = AuditEntry("login.succeeded", "success", customer_id, ip="203.0.113.9")
        db.audit.record(entry, within=within)
        db.sessions.create(
            customer_id, "cookie", user_agent="bench", ip="203.0.113.9", within=within
        )
        db.devices.remember(customer_id, None, within=within)

    def in_transaction() -> None:
        with db.transaction() as writing:
            login(writing)

    def together() -> None:
        with db.writes() as writing:
            login(writing)

    out: dict[str, list[dict[str, float]]] = {"transaction": [], "one_statement": []}
    for _ in range(rounds):
        for key, write in (("transaction", in_transaction), ("one_statement", together)):
            out[key].append(timed(write))
    return out


def timed(write: Callable[[], None]) -> dict[str, float]:
    for _ in range(WARM):
        write()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(PER_ROUND):
        write()
    return {
        "cpu_us": round((time.process_time() - cpu) / PER_ROUND * 1e6),
        "wall_us": round((time.perf_counter() - wall) / PER_ROUND * 1e6),
    }


if __name__ == "__main__":
    raise SystemExit(main())
