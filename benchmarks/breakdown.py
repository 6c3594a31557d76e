"""CPU per step of one migrated login, in process (no HTTP), on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/breakdown.py [sqlite|postgres]

Runs the steps ``POST /store/auth`` runs for a migrated customer, 1000 times one
after the other against the stand-in with no latency, and prints the CPU
milliseconds each step cost on average: where the service's own time goes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CLIENT_ID, POOL_ID, StandIn
from run import ACCESS_KEY, PASSWORD, SECRET_KEY, Size, fresh_postgres, prepare_database

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.service.limits import ACCOUNT_RULE, ADDRESS_RULE
from hashless.service.schemas import CustomerOut, CustomerResponse
from hashless.storage import AuditEntry, ThrottleRule
from hashless.storage.models import Customer
from hashless.storage.records import to_record

T = TypeVar("T")
CUSTOMERS = 2000


def main() -> int:
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    if backend == "sqlite":
        url: str | None = f"sqlite:///{tempfile.mkdtemp()}/breakdown.db"
    else:
        url = fresh_postgres("hashless_breakdown")
    if url is None:
        print("no PostgreSQL at 127.0.0.1:5432", file=sys.stderr)
        return 1
    db = prepare_database(url, Size(CUSTOMERS, {}, 0, 0, 0, 0, 0), 0)
    standin = StandIn()
    try:
        standin.add_users({f"cus_m{i}": PASSWORD for i in range(CUSTOMERS)})
        client = make_cognito_client(
            region="us-east-1",
            endpoint_url=standin.url,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
        )
        store = CognitoCredentialStore(client, user_pool_id=POOL_ID, client_id=CLIENT_ID)
        engine = MigrationEngine(db.records, store, default_registry())
        spent: Counter[str] = Counter()

        def step(name: str, work: Callable[[], T]) -> T:
            started = time.process_time()
            result = work()
            spent[name] += time.process_time() - started
            return result

        def read(email: str, rules: dict[str, ThrottleRule]) -> Customer | None:
            with db.read() as reading:
                db.throttle.state(rules, within=reading)
                return db.customers.find_by_email(email, within=reading)

        def write(customer_id: str) -> None:
            entry = AuditEntry(event="login.succeeded", outcome="success", customer_id=customer_id)
            with db.transaction() as writing:
                db.audit.record(entry, within=writing)
                db.sessions.create(
                    customer_id, "cookie", user_agent=None, ip="127.0.0.1", within=writing
                )

        def login(i: int) -> None:
            email = f"m{i % CUSTOMERS}@bench.example"
            rules = {f"account:{email}": ACCOUNT_RULE, "ip:127.0.0.1": ADDRESS_RULE}
            row = step(
                "read: throttle counters + customer row, one session", lambda: read(email, rules)
            )
            assert row is not None
            step(
                "engine.authenticate (boto3 AdminInitiateAuth)",
                lambda: engine.authenticate(to_record(row), PASSWORD),
            )
            step("write: audit row + session row, one transaction", lambda: write(row.id))
            step(
                "response body",
                lambda: CustomerResponse(customer=CustomerOut.of(row)).model_dump_json(),
            )

        for i in range(100):
            login(i)
        spent.clear()
        rounds = 1000
        for i in range(rounds):
            login(i)
    finally:
        standin.stop()
        db.engine.dispose()
    print(f"CPU per migrated login by step, {backend}, mean of {rounds}:")
    for name, seconds in spent.items():
        print(f"  {name:48s} {seconds / rounds * 1000:6.2f} ms")
    print(f"  {'total':48s} {sum(spent.values()) / rounds * 1000:6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
