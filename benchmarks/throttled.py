"""Cognito throttling about half of the login checks: what the customers see.

Two instances each shaping to the full 120/s of a quota they share leave each about
half of it: the stand-in's UserAuthentication quota is set to ``--quota`` (60/s) while
``hashless serve`` shapes to 120/s, and migrated customers log in at ``--rate`` for
``--seconds``. Reports the statuses, how many answers took longer than 1 s and 10 s,
how many carried ``Retry-After``, connections dropped, and what the stand-in counted.

    .venv/bin/python benchmarks/throttled.py [--quota 60] [--rate 120] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Service, StandIn, service_environment
from loadgen import DROPPED, open_loop
from run import PASSWORD, QUICK, login_body, migrated_email, prepare_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quota", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=120.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=9320)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hashless-throttled-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    prepare_database(url, QUICK, 0).engine.dispose()
    standin = StandIn()
    try:
        standin.add_users({f"cus_m{i}": PASSWORD for i in range(QUICK.migrated)})
        standin.configure(latency_ms=50, quotas={"UserAuthentication": args.quota})
        env = service_environment(standin, url, HASHLESS_COGNITO_RATE_FILE=str(work / "quota.bin"))
        service = Service(env, args.port, work)
        bodies = [login_body(migrated_email(i), PASSWORD) for i in range(QUICK.migrated)]
        try:
            outcome = asyncio.run(
                open_loop(
                    "127.0.0.1",
                    service.port,
                    lambda i: bodies[i % len(bodies)],
                    rate=args.rate,
                    duration=args.seconds,
                )
            )
        finally:
            service.stop()
        stats = standin.stats()
    finally:
        standin.stop()
    log = (work / f"serve-{args.port}.log").read_text(errors="replace")
    statuses = Counter(outcome.statuses)
    report = {
        "offered": int(args.rate * args.seconds),
        "answered": len(outcome.statuses),
        "dropped": statuses.get(DROPPED, 0),
        "statuses": dict(statuses),
        "slower_than_1s": sum(1 for lat in outcome.latencies if lat > 1),
        "slower_than_10s": sum(1 for lat in outcome.latencies if lat > 10),
        "max_seconds": round(max(outcome.latencies, default=0.0), 2),
        "503_without_retry_after": sum(
            1
            for st, header in zip(outcome.statuses, outcome.retry_after, strict=True)
            if st == 503 and not header
        ),
        "standin_calls": stats["calls"],
        "standin_throttled": stats["throttled"],
        "unhandled_errors_logged": log.count("unhandled error") + log.count("Exception in ASGI"),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
