"""Print PostgreSQL's plans for the queries on a login's and a session check's path.

    .venv/bin/python benchmarks/explain.py [postgresql+psycopg://postgres@127.0.0.1/db]

It seeds a scratch database with 20,000 customers and sessions (the benchmark's
size), ANALYZEs it, and EXPLAINs each hot query as the repositories issue it.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import FULL, fresh_postgres, migrated_email, prepare_database

from hashless.emails import email_key
from hashless.storage import customers, sessions, throttle
from hashless.storage.models import Customer, CustomerSession
from hashless.storage.records import live_accounts
from hashless.storage.throttle import ThrottleRule
from hashless.tokens import token_hash


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else fresh_postgres("hashless_explain")
    if url is None:
        print("no PostgreSQL at 127.0.0.1:5432", file=sys.stderr)
        return 1
    db = prepare_database(url, FULL, 0)
    tokens = [
        db.sessions.create(f"cus_m{i}", "cookie", user_agent=None, ip=None)[0] for i in range(2000)
    ]
    rule = ThrottleRule(free=0, ceiling=timedelta(seconds=1))
    for i in range(0, 2000, 10):
        db.throttle.record_failure({f"account:{migrated_email(i)}": rule})
    email = email_key(migrated_email(1234))
    # The repositories' own statements, built once at import, with this run's values.
    queries = {
        "login: the customer by email (customers.find_by_email)": (
            customers._BY_EMAIL_KEY.params(email_key=email)
        ),
        "login: throttle counters (throttle.state)": throttle._COUNTERS.params(
            keys=[f"account:{email}", "ip:127.0.0.1"]
        ),
        "migration lock: the customer by id, FOR UPDATE (records.locked)": live_accounts()
        .where(Customer.id == "cus_m1234")
        .with_for_update(),
        "session check: the session and its customer by token hash "
        "(sessions.resolve_with_customer)": sessions._SESSION_AND_CUSTOMER.params(
            token_hash=token_hash(tokens[7])
        ),
        "session list: a customer's sessions (sessions.list)": select(CustomerSession)
        .where(CustomerSession.customer_id == "cus_m1234")
        .order_by(CustomerSession.created_at.desc()),
    }
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        for title, query in queries.items():
            sql = str(
                query.compile(
                    dialect=postgresql.dialect(),
                    compile_kwargs={"literal_binds": True, "render_postcompile": True},
                )
            )
            plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}")
            print(f"-- {title}")
            print("\n".join(row[0] for row in plan))
            print()
    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
