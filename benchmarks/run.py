"""Run every hashless benchmark and print one table; write the figures as JSON.

    .venv/bin/python benchmarks/run.py            # the full run, a few minutes
    .venv/bin/python benchmarks/run.py --quick    # a smoke run of every step, seconds

Each figure is a ratio (or a difference) against a baseline measured in the same run,
on the same Cognito stand-in (``standin.py``), because absolute times on a shared
machine drift. The service is ``hashless serve`` on a configured (non-demo) start,
one worker process, talking to the stand-in through its own boto3 client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    ACCESS_KEY,
    CLIENT_ID,
    POOL_ID,
    SECRET_KEY,
    Service,
    StandIn,
    cpu_seconds,
    peak_rss_mib,
    seed_customers,
    service_environment,
)
from loadgen import Outcome, closed_loop, open_loop, request_bytes

from hashless.credentials.client import make_cognito_client
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD
from hashless.legacy import default_registry
from hashless.storage import Database

PASSWORD = "bench-password-1"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_DB = "hashless_bench"
V2_HASH = next(c.legacy_hash for c in DEMO_CUSTOMERS if c.legacy_format == "medusa-v2")
UNSHAPED = {
    "HASHLESS_COGNITO_RATE_AUTH": "0",
    "HASHLESS_COGNITO_RATE_CREATE": "0",
    "HASHLESS_COGNITO_RATE_RECOVERY": "0",
    "HASHLESS_COGNITO_RATE_UPDATE": "0",
}


@dataclass(frozen=True)
class Size:
    """How much of each step to run."""

    migrated: int
    logins: dict[int, int]
    pycognito_logins: int
    first_logins: int
    first_login_burst: int
    session_checks: int
    quota_seconds: float


FULL = Size(
    migrated=20_000,
    logins={1: 60, 32: 1500, 128: 2500},
    pycognito_logins=300,
    first_logins=15,
    first_login_burst=50,
    session_checks=3000,
    quota_seconds=30.0,
)
QUICK = Size(
    migrated=600,
    logins={1: 5, 32: 64, 128: 128},
    pycognito_logins=32,
    first_logins=2,
    first_login_burst=4,
    session_checks=100,
    quota_seconds=2.0,
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


@dataclass
class Row:
    item: str
    measure: str
    value: str
    target: str
    holds: bool | None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, item: str, measure: str, value: str, target: str, holds: bool | None) -> None:
        self.rows.append(Row(item, measure, value, target, holds))
        print(f"  {item} {measure}: {value} (target {target})", flush=True)

    def table(self) -> str:
        lines = ["| # | measure | measured | target | holds |", "|---|---|---|---|---|"]
        for row in self.rows:
            holds = {True: "yes", False: "**no**", None: "-"}[row.holds]
            lines.append(f"| {row.item} | {row.measure} | {row.value} | {row.target} | {holds} |")
        return "\n".join(lines)


def summary(outcome: Outcome) -> dict[str, Any]:
    ok = [lat for lat, st in zip(outcome.latencies, outcome.statuses, strict=True) if st == 200]
    return {
        "requests": len(outcome.statuses),
        "statuses": dict(Counter(outcome.statuses)),
        "throughput": round(len(outcome.statuses) / outcome.elapsed, 1),
        "p50_ms": ms(percentile(ok, 0.5)) if ok else None,
        "p99_ms": ms(percentile(ok, 0.99)) if ok else None,
    }


def login_body(email: str, password: str) -> bytes:
    body = json.dumps({"email": email, "password": password}).encode()
    return request_bytes("POST", "/store/auth", body)


def migrated_email(i: int) -> str:
    return f"m{i}@bench.example"


def baseline_logins(store: StandIn, concurrency: int, count: int, migrated: int) -> dict[str, Any]:
    """Bare boto3 ``admin_initiate_auth`` on one shared client, ``concurrency`` threads."""
    client = make_cognito_client(
        region="us-east-1",
        endpoint_url=store.url,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        max_pool_connections=max(concurrency, 10),
    )
    latencies: list[float] = []

    def login(i: int) -> None:
        started = time.perf_counter()
        client.admin_initiate_auth(
            UserPoolId=POOL_ID,
            ClientId=CLIENT_ID,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": f"cus_m{i % migrated}", "PASSWORD": PASSWORD},
        )
        latencies.append(time.perf_counter() - started)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(login, range(min(count, concurrency * 2))))  # warm the pool
        latencies.clear()
        started = time.perf_counter()
        list(pool.map(login, range(count)))
        elapsed = time.perf_counter() - started
    return {
        "throughput": round(count / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p99_ms": ms(percentile(latencies, 0.99)),
    }


def pycognito_style_logins(store: StandIn, concurrency: int, count: int) -> dict[str, Any]:
    """What pycognito's ``Cognito(...)`` does per user: a new boto3 client per login."""

    def login(i: int) -> None:
        client = boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            endpoint_url=store.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        client.admin_initiate_auth(
            UserPoolId=POOL_ID,
            ClientId=CLIENT_ID,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": f"cus_m{i}", "PASSWORD": PASSWORD},
        )

    with ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        list(pool.map(login, range(count)))
        elapsed = time.perf_counter() - started
    return {"throughput": round(count / elapsed, 1)}


def service_logins(
    service: Service, standin: StandIn, concurrency: int, count: int, migrated: int
) -> dict[str, Any]:
    """``POST /store/auth`` of migrated customers through the running service."""
    bodies = [login_body(migrated_email(i), PASSWORD) for i in range(min(migrated, count * 2))]

    def make(i: int) -> bytes:
        return bodies[i % len(bodies)]

    asyncio.run(
        closed_loop("127.0.0.1", service.port, make, concurrency=concurrency, count=concurrency)
    )
    cpu_before = cpu_seconds(service.pid)
    standin_before = standin.stats()["cpu_seconds"]
    outcome = asyncio.run(
        closed_loop("127.0.0.1", service.port, make, concurrency=concurrency, count=count)
    )
    result = summary(outcome)
    result["service_cpu_ms_per_request"] = ms((cpu_seconds(service.pid) - cpu_before) / count)
    result["standin_cpu_ms_per_request"] = ms(
        (standin.stats()["cpu_seconds"] - standin_before) / count
    )
    return result


def bench_migrated_logins(report: Report, size: Size, standin: StandIn, service: Service) -> None:
    standin.configure(latency_ms=50)
    figures: dict[str, Any] = {}
    for concurrency, count in size.logins.items():
        base = baseline_logins(standin, concurrency, count, size.migrated)
        served = service_logins(service, standin, concurrency, count, size.migrated)
        if concurrency == 128:
            figures["rss_after_128_mib"] = round(peak_rss_mib(service.pid), 1)
        ratio = served["throughput"] / base["throughput"]
        added = served["p50_ms"] - base["p50_ms"]
        figures[f"c{concurrency}"] = {"baseline": base, "service": served, "ratio": ratio}
        if concurrency > 1:
            report.add(
                "1",
                f"login throughput vs bare boto3, concurrency {concurrency}",
                f"{served['throughput']:.0f}/s vs {base['throughput']:.0f}/s = **{ratio:.2f}x**",
                "≥ 0.8x",
                ratio >= 0.8,
            )
        report.add(
            "1",
            f"login p50 added to bare boto3, concurrency {concurrency}",
            f"{served['p50_ms']:.1f} - {base['p50_ms']:.1f} = **{added:+.1f} ms**",
            "≤ +3 ms",
            added <= 3,
        )
        report.add(
            "1",
            f"service CPU per login, concurrency {concurrency}",
            f"{served['service_cpu_ms_per_request']:.2f} ms",
            "-",
            None,
        )
    report.figures["migrated_logins"] = figures


def bench_pycognito(report: Report, size: Size, standin: StandIn, service: Service) -> None:
    standin.configure(latency_ms=50)
    concurrency = 32
    peer = pycognito_style_logins(standin, concurrency, size.pycognito_logins)
    served = service_logins(service, standin, concurrency, size.pycognito_logins * 3, size.migrated)
    ratio = served["throughput"] / peer["throughput"]
    report.figures["pycognito_style"] = {"peer": peer, "service": served, "ratio": ratio}
    report.add(
        "2",
        f"login throughput vs a boto3 client per login, concurrency {concurrency}",
        f"{served['throughput']:.0f}/s vs {peer['throughput']:.0f}/s = **{ratio:.1f}x**",
        "≥ 5x",
        ratio >= 5,
    )


def first_login_components(standin: StandIn, db: Database, rounds: int) -> dict[str, float]:
    """p50 of the work a first login cannot avoid, each measured alone in this run."""
    registry = default_registry()
    verify = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert registry.verify(DEMO_PASSWORD, V2_HASH, format_name="medusa-v2")
        verify.append(time.perf_counter() - started)
    store = standin.credential_store()
    cognito = []
    rows = []
    for i in range(rounds):
        username = f"cus_probe{i}_{time.monotonic_ns()}"
        started = time.perf_counter()
        store.create(username, f"probe{i}@bench.example")
        store.set_password(username, DEMO_PASSWORD)
        cognito.append(time.perf_counter() - started)
        started = time.perf_counter()
        with db.records.locked(f"cus_rowprobe{i}") as locked:
            assert locked is not None
            locked.mark_in_store()
        rows.append(time.perf_counter() - started)
    return {
        "verify_ms": ms(statistics.median(verify)),
        "create_and_set_password_ms": ms(statistics.median(cognito)),
        "row_update_ms": ms(statistics.median(rows)),
    }


async def _health_while(
    port: int, burst: Callable[[], Any], interval: float = 0.01
) -> tuple[Outcome, list[float]]:
    """Poll ``GET /health`` on its own connection while ``burst`` runs."""
    health = request_bytes("GET", "/health")
    latencies: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not done.is_set():
            started = time.perf_counter()
            writer.write(health)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(interval)
        writer.close()

    poller = asyncio.create_task(poll())
    outcome = await burst()
    done.set()
    await poller
    return outcome, latencies


def bench_first_logins(
    report: Report, size: Size, standin: StandIn, service: Service, db: Database, first: int
) -> None:
    standin.configure(latency_ms=50)
    components = first_login_components(standin, db, size.first_logins)
    sequential = [login_body(f"v2_{first + i}@bench.example", DEMO_PASSWORD) for i in range(99)]
    outcome = asyncio.run(
        closed_loop(
            "127.0.0.1",
            service.port,
            lambda i: sequential[i],
            concurrency=1,
            count=size.first_logins,
        )
    )
    served = summary(outcome)
    floor = sum(components.values())
    overhead = served["p50_ms"] - floor
    report.figures["first_logins"] = {"components": components, "service": served}
    report.add(
        "3",
        "first-login p50 beyond verify + create + set password + row update",
        f"{served['p50_ms']:.1f} - {floor:.1f} = **{overhead:+.1f} ms**",
        "≤ 5 ms",
        overhead <= 5,
    )
    burst_first = first + size.first_logins
    bodies = [
        login_body(f"v2_{burst_first + i}@bench.example", DEMO_PASSWORD)
        for i in range(size.first_login_burst)
    ]
    burst, health = asyncio.run(
        _health_while(
            service.port,
            lambda: closed_loop(
                "127.0.0.1",
                service.port,
                lambda i: bodies[i],
                concurrency=size.first_login_burst,
                count=size.first_login_burst,
            ),
        )
    )
    p99 = ms(percentile(health, 0.99))
    report.figures["first_login_burst"] = {
        "logins": summary(burst),
        "health_samples": len(health),
        "health_p50_ms": ms(percentile(health, 0.5)),
        "health_p99_ms": p99,
        "rss_after_mib": round(peak_rss_mib(service.pid), 1),
    }
    report.add(
        "3",
        f"`GET /health` p99 while {size.first_login_burst} first logins run",
        f"**{p99:.1f} ms** ({len(health)} samples; logins {dict(Counter(burst.statuses))})",
        "< 20 ms",
        p99 < 20,
    )


def bench_session_checks(
    report: Report, size: Size, service: Service, db: Database, backend: str
) -> None:
    tokens = [
        db.sessions.create(f"cus_m{i}", "bearer", user_agent=None, ip=None)[0] for i in range(200)
    ]
    checks = [
        request_bytes("GET", "/store/auth", headers={"authorization": f"Bearer {t}"})
        for t in tokens
    ]
    health = request_bytes("GET", "/health")
    concurrency = 32
    results = {}
    for name, make in (("health", lambda i: health), ("session", lambda i: checks[i % 200])):
        asyncio.run(
            closed_loop("127.0.0.1", service.port, make, concurrency=concurrency, count=200)
        )
        outcome = asyncio.run(
            closed_loop(
                "127.0.0.1", service.port, make, concurrency=concurrency, count=size.session_checks
            )
        )
        results[name] = summary(outcome)
    ratio = results["session"]["throughput"] / results["health"]["throughput"]
    report.figures[f"session_checks_{backend}"] = {**results, "ratio": ratio}
    report.add(
        "4",
        f"`GET /store/auth` vs `GET /health` throughput, {backend}",
        f"{results['session']['throughput']:.0f}/s vs {results['health']['throughput']:.0f}/s"
        f" = **{ratio:.2f}x**",
        "≥ 0.5x",
        ratio >= 0.5,
    )


def bench_quota(report: Report, size: Size, standin: StandIn, service: Service) -> None:
    standin.configure(latency_ms=50, quotas={"UserAuthentication": 120, "UserAccountRecovery": 30})
    bodies = [login_body(migrated_email(i), PASSWORD) for i in range(2000)]
    outcome = asyncio.run(
        open_loop(
            "127.0.0.1",
            service.port,
            lambda i: bodies[i % len(bodies)],
            rate=200,
            duration=size.quota_seconds,
        )
    )
    stats = standin.stats()
    statuses = Counter(outcome.statuses)
    refused = [
        lat for lat, st in zip(outcome.latencies, outcome.statuses, strict=True) if st == 503
    ]
    refused_with_header = sum(
        1
        for st, header in zip(outcome.statuses, outcome.retry_after, strict=True)
        if st == 503 and header
    )
    other_5xx = sum(n for st, n in statuses.items() if st >= 500 and st != 503)
    calls = stats["calls"].get("AdminInitiateAuth", 0)
    throttled = stats["throttled"].get("AdminInitiateAuth", 0)
    per_second = statuses.get(200, 0) / outcome.elapsed
    throttled_share = throttled / max(1, calls)
    p99_refused = ms(percentile(refused, 0.99)) if refused else 0.0
    report.figures["quota"] = {
        "offered_per_second": 200,
        "seconds": round(outcome.elapsed, 2),
        "statuses": dict(statuses),
        "successful_per_second": round(per_second, 1),
        "refused_p50_ms": ms(percentile(refused, 0.5)) if refused else None,
        "refused_p99_ms": p99_refused,
        "refused_with_retry_after": refused_with_header,
        "standin_calls": calls,
        "standin_throttled": throttled,
    }
    report.add(
        "5",
        f"successful logins/s at 200/s offered for {size.quota_seconds:.0f} s (quota 120/s)",
        f"**{per_second:.1f}/s**",
        "≥ 114/s",
        per_second >= 114,
    )
    report.add(
        "5",
        "excess answered 503 + Retry-After, p99 time to answer",
        f"{len(refused)} x 503, {refused_with_header} with Retry-After, "
        f"p99 **{p99_refused:.1f} ms**, other 5xx: {other_5xx}",
        "all with Retry-After, quick, no other 5xx",
        refused_with_header == len(refused) and other_5xx == 0 and p99_refused < 1000,
    )
    report.add(
        "5",
        "calls the stand-in throttled",
        f"{throttled} of {calls} = **{throttled_share:.2%}**",
        "< 1 %",
        throttled_share < 0.01,
    )


def fresh_postgres(name: str = POSTGRES_BENCH_DB) -> str | None:
    """A new, empty database ``name`` on the local PostgreSQL; None if there is none."""
    try:
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
    except sa.exc.OperationalError:
        return None
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def prepare_database(url: str, size: Size, legacy: int) -> Database:
    db = Database.connect(url)
    seed_customers(
        db,
        [(f"cus_m{i}", migrated_email(i)) for i in range(size.migrated)],
        [(f"cus_v2_{i}", f"v2_{i}@bench.example", "medusa-v2", V2_HASH) for i in range(legacy)]
        + [
            (f"cus_rowprobe{i}", f"rowprobe{i}@bench.example", "medusa-v2", V2_HASH)
            for i in range(size.first_logins)
        ],
    )
    return db


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="hashless benchmarks")
    parser.add_argument("--quick", action="store_true", help="a smoke run of every step")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).with_name("results") / "latest.json"
    )
    parser.add_argument("--port", type=int, default=9310, help="first of three service ports")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    report = Report()
    report.figures["machine"] = machine()
    work = Path(tempfile.mkdtemp(prefix="hashless-bench-"))
    standin = StandIn()
    services: list[Service] = []
    started = time.perf_counter()
    try:
        standin.add_users({f"cus_m{i}": PASSWORD for i in range(size.migrated)})
        standin.configure(latency_ms=0)
        before = standin.stats()["cpu_seconds"]
        baseline_logins(standin, 8, 1000 if not args.quick else 50, size.migrated)
        per_call = (standin.stats()["cpu_seconds"] - before) / (1000 if not args.quick else 50)
        report.figures["standin_cpu_ms_per_call"] = ms(per_call)
        print(f"stand-in CPU per call: {ms(per_call)} ms", flush=True)

        legacy = size.first_logins + size.first_login_burst + 5
        sqlite_db = prepare_database(f"sqlite:///{work}/bench.db", size, legacy)
        env = service_environment(
            standin,
            f"sqlite:///{work}/bench.db",
            HASHLESS_CONCURRENCY="128",
            HASHLESS_COGNITO_RATE_FILE=str(work / "unshaped.bin"),
            **UNSHAPED,
        )
        service = Service(env, args.port, work)
        services.append(service)
        report.figures["ready_seconds"] = round(service.ready_after, 2)
        report.add(
            "6",
            "`hashless serve` ready (health 200), configured start, SQLite",
            f"**{service.ready_after:.2f} s**",
            "≤ 3 s",
            service.ready_after <= 3,
        )
        bench_migrated_logins(report, size, standin, service)
        rss = report.figures["migrated_logins"]["rss_after_128_mib"]
        report.add(
            "6",
            "peak RSS of the worker after 128 concurrent logins",
            f"**{rss} MB**",
            "≤ 150 MB",
            rss <= 150,
        )
        bench_pycognito(report, size, standin, service)
        bench_session_checks(report, size, service, sqlite_db, "SQLite")
        bench_first_logins(report, size, standin, service, sqlite_db, first=0)
        service.stop()

        postgres_url = fresh_postgres()
        if postgres_url is None:
            report.add("4", "PostgreSQL session checks", "skipped: no PostgreSQL", "-", None)
        else:
            pg_db = prepare_database(postgres_url, size, 0)
            pg_env = {**env, "HASHLESS_DATABASE_URL": postgres_url}
            pg_service = Service(pg_env, args.port + 1, work)
            services.append(pg_service)
            report.figures["ready_seconds_postgres"] = round(pg_service.ready_after, 2)
            bench_session_checks(report, size, pg_service, pg_db, "PostgreSQL")
            pg_service.stop()
            pg_db.engine.dispose()

        shaped_env = {
            key: value for key, value in env.items() if not key.startswith("HASHLESS_COGNITO_RATE")
        }
        shaped_env["HASHLESS_COGNITO_RATE_FILE"] = str(work / "shaped.bin")
        shaped = Service(shaped_env, args.port + 2, work)
        services.append(shaped)
        bench_quota(report, size, standin, shaped)
        shaped.stop()
    finally:
        for service in services:
            if service.process.poll() is None:
                service.stop()
        standin.stop()
    report.figures["seconds"] = round(time.perf_counter() - started, 1)
    report.figures["machine"]["load_average_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    print()
    print(report.table())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "table": [row.__dict__ for row in report.rows],
                "figures": report.figures,
                "quick": args.quick,
            },
            indent=2,
        )
    )
    print(f"\nfigures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
