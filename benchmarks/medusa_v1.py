"""hashless in medusa-v1 mode against the real Medusa v1 behind it, side by side.

    python3 dev.py hashless --version >/dev/null   # the environment, once
    .venv/bin/python benchmarks/medusa_v1.py [--count 600] [--customers 200]

One run starts a real Medusa 1.20.11 (``examples/medusa-v1``, a fresh database), the
Cognito stand-in (``benchmarks/standin.py``: 50 ms latency, no quota) and ``hashless
serve`` in ``HASHLESS_PLATFORM=medusa-v1`` mode on Medusa's database, one worker, its
own quota shaping off. Customers are registered through Medusa (scrypt hashes in
``customer.password_hash``). Then, with the same load generator (``loadgen.py``):

- **first logins**: ``--first`` customers log in through hashless one after the other
  (the legacy hash verified, ``AdminCreateUser``, ``AdminSetUserPassword``, the row
  updated), taking turns with as many of Medusa's own ``POST /store/auth``; their p50
  against Medusa's p50 plus the p50 of ``AdminCreateUser`` + ``AdminSetUserPassword``
  against the stand-in, measured alone in this run, after ``WARM`` untimed logins on
  each server (neither figure is a fresh process's first requests);
- **migrated logins**: ``POST /store/auth`` through hashless (customers migrated above)
  and straight to Medusa (customers still on their Medusa hash), at concurrency 16 and
  64, in ``--rounds`` rounds of one loaded step on each server (who goes first
  alternating): throughput, and CPU per successful login of each server process
  (``/proc`` utime + stime of the process tree, before and after), each server warmed
  by an untimed loaded step first. The ratio is all rounds' CPU together; the rounds'
  own ratios give its spread;
- **pass-through**: ``GET /store/customers/me`` and a cart read straight to Medusa (a
  Medusa JWT) and through hashless (a hashless bearer token it turns into a minted JWT):
  p50 at concurrency 1, the two sides taking turns request by request so that both
  meet the same moment of the machine (the added p50 is hashless' share), throughput
  and CPU per request at ``--concurrency``.

Both servers, the stand-in and the load generator share this machine's cores, so a
throughput through hashless also pays for Medusa's work behind it. Prints one JSON
document (``uptime``'s load average at start and end included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "examples" / "medusa-v1"))

import medusa_backend as backend  # noqa: E402
import stack  # noqa: E402
from harness import ACCESS_KEY, CLIENT_ID, POOL_ID, SECRET_KEY, StandIn, cpu_seconds  # noqa: E402
from loadgen import alternating, closed_loop, request_bytes  # noqa: E402

from hashless.platforms.medusa_v1.tokens import mint_store_token  # noqa: E402

PASSWORD = "benchmark password 1"
WARM = 10
"""Untimed first logins (and Medusa logins) before the timed ones."""
UNSHAPED = {
    f"HASHLESS_COGNITO_RATE_{category}": "0"
    for category in ("AUTH", "CREATE", "RECOVERY", "UPDATE")
}
SERVE_SETTINGS = {"HASHLESS_LOG_LEVEL": "warning", "HASHLESS_CONCURRENCY": "128", **UNSHAPED}
"""hashless' settings in every benchmark against Medusa: one worker, no quota shaping."""


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every descendant still running."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += cpu_seconds(current)
        except OSError:
            continue
        todo.extend(children.get(current, []))
    return total


def load_average() -> list[float]:
    return [float(value) for value in Path("/proc/loadavg").read_text().split()[:3]]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def run(
    url: str, make_request: Callable[[int], bytes], concurrency: int, count: int
) -> tuple[list[float], float, list[int]]:
    outcome = asyncio.run(
        closed_loop(*address(url), make_request, concurrency=concurrency, count=count)
    )
    return outcome.latencies, outcome.elapsed, outcome.statuses


def loaded(
    url: str,
    make_request: Callable[[int], bytes],
    pids: dict[str, int],
    concurrency: int,
    count: int,
    name: str,
) -> dict[str, Any]:
    """Throughput and each server's CPU per request of ``count`` requests, all 200."""
    print(f"start {name} c{concurrency}", file=sys.stderr, flush=True)
    before = {who: tree_cpu(pid) for who, pid in pids.items()}
    _, elapsed, statuses = run(url, make_request, concurrency, count)
    after = {who: tree_cpu(pid) for who, pid in pids.items()}
    assert set(statuses) == {200}, (name, sorted(set(statuses)))
    print(f"end {name} c{concurrency}", file=sys.stderr, flush=True)
    return {
        "req_per_s": round(count / elapsed, 1),
        "cpu_ms_per_request": {who: ms((after[who] - before[who]) / count) for who in pids},
        "load_average": load_average(),
    }


def p50_c1(url: str, make_request: Callable[[int], bytes], count: int, name: str) -> float:
    latencies, _, statuses = run(url, make_request, 1, count)
    assert set(statuses) == {200}, (name, sorted(set(statuses)))
    return ms(statistics.median(latencies))


def turns_p50(
    sides: list[tuple[str, Callable[[int], bytes]]], rounds: int, name: str, *, warm: int = 100
) -> list[float]:
    """p50 of each side's requests at concurrency 1, the sides taking turns request by
    request (``loadgen.alternating``), after ``warm`` untimed turns."""
    targets = [(*address(url), make_request) for url, make_request in sides]
    if warm:
        asyncio.run(alternating(targets, warm))
    outcomes = asyncio.run(alternating(targets, rounds))
    for outcome in outcomes:
        assert set(outcome.statuses) == {200}, (name, sorted(set(outcome.statuses)))
    return [ms(statistics.median(outcome.latencies)) for outcome in outcomes]


def repeated(request: bytes) -> Callable[[int], bytes]:
    return lambda _: request


def login_request(emails: list[str]) -> Callable[[int], bytes]:
    bodies = [json.dumps({"email": email, "password": PASSWORD}).encode() for email in emails]
    return lambda i: request_bytes("POST", "/store/auth", bodies[i % len(bodies)])


def register(medusa: backend.MedusaServer, emails: list[str]) -> None:
    """Customers as Medusa makes them (``POST /store/customers``), 8 at a time."""
    bodies = [
        json.dumps(
            {"email": email, "password": PASSWORD, "first_name": "Bench", "last_name": "Customer"}
        ).encode()
        for email in emails
    ]
    _, _, statuses = run(
        medusa.url,
        lambda i: request_bytes("POST", "/store/customers", bodies[i]),
        8,
        len(bodies),
    )
    assert set(statuses) == {200}, sorted(set(statuses))


@contextmanager
def stand_in() -> Iterator[tuple[StandIn, dict[str, str]]]:
    """The stand-in at 50 ms and no quota, and hashless' ``COGNITO_*`` settings for it."""
    standin = StandIn()
    try:
        standin.configure(latency_ms=50)
        yield (
            standin,
            {
                "COGNITO_REGION": "us-east-1",
                "COGNITO_USER_POOL_ID": POOL_ID,
                "COGNITO_CLIENT_ID": CLIENT_ID,
                "COGNITO_ENDPOINT_URL": standin.url,
                "COGNITO_ACCESS_KEY_ID": ACCESS_KEY,
                "COGNITO_SECRET_ACCESS_KEY": SECRET_KEY,
            },
        )
    finally:
        standin.stop()


def create_and_set_p50(standin: StandIn, rounds: int) -> float:
    """p50 of ``AdminCreateUser`` + ``AdminSetUserPassword`` against the stand-in."""
    store = standin.credential_store()
    spent = []
    for i in range(rounds + 1):
        username = f"cus_probe{i}_{time.monotonic_ns()}"
        started = time.perf_counter()
        store.create(username, f"probe{i}@bench.example")
        store.set_password(username, PASSWORD)
        spent.append(time.perf_counter() - started)
    return ms(statistics.median(spent[1:]))  # the first call opens the connection


def bench(
    medusa: backend.MedusaServer,
    standin: StandIn,
    hashless: stack.Hashless,
    seeded: backend.Seeded,
    medusa_emails: list[str],
    hashless_emails: list[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    pids = {"medusa": medusa.process.pid, "hashless": hashless.process.pid}
    results: dict[str, Any] = {}
    print("medusa", pids["medusa"], "hashless", pids["hashless"], file=sys.stderr, flush=True)

    # First logins, one after the other, then the rest of hashless' customers migrated.
    # Both servers warmed first (untimed): Medusa's own logins, and WARM first logins
    # through hashless, so that neither side's figure is its first requests after start
    # (a JIT still compiling, connections not yet opened, statements not yet prepared).
    warm, first = hashless_emails[:WARM], hashless_emails[WARM : WARM + args.first]
    run(medusa.url, login_request(medusa_emails), 1, WARM)
    run(hashless.url, login_request(warm), 1, WARM)
    # Taking turns: a Medusa login, a first login through hashless, the next Medusa login.
    p50_medusa_login, p50_first = turns_p50(
        [(medusa.url, login_request(medusa_emails)), (hashless.url, login_request(first))],
        len(first),
        "first logins",
        warm=0,
    )
    p50_cognito = create_and_set_p50(standin, args.first)
    rest = hashless_emails[WARM + args.first :]
    _, _, statuses = run(hashless.url, login_request(rest), 16, len(rest))
    assert set(statuses) == {200}, sorted(set(statuses))
    results["first_login"] = {
        "p50_ms": p50_first,
        "medusa_login_p50_ms": p50_medusa_login,
        "create_and_set_password_p50_ms": p50_cognito,
        "beyond_ms": round(p50_first - p50_medusa_login - p50_cognito, 3),
    }

    # Migrated logins: hashless against Medusa's own login, same load generator. Medusa's
    # login gets an untimed loaded step first, as hashless' had (the migration of the rest).
    run(medusa.url, login_request(medusa_emails), 16, len(rest))
    logins = {
        "medusa": (medusa.url, login_request(medusa_emails)),
        "hashless": (hashless.url, login_request(hashless_emails)),
    }
    for concurrency in (16, 64):
        steps: dict[str, list[dict[str, Any]]] = {who: [] for who in logins}
        for turn in range(args.rounds):
            # Both servers each round, the one that went first going second the next:
            # the machine's pace drifts by tens of percent over a minute, for both.
            for who in list(logins) if turn % 2 == 0 else list(reversed(logins)):
                url, make_request = logins[who]
                steps[who].append(loaded(url, make_request, pids, concurrency, args.count, who))
        own = {who: [step["cpu_ms_per_request"][who] for step in steps[who]] for who in logins}
        rates = {who: [step["req_per_s"] for step in steps[who]] for who in logins}
        ratios = [h / m for h, m in zip(own["hashless"], own["medusa"], strict=True)]
        results[f"login_c{concurrency}"] = {
            **{
                who: {
                    "cpu_ms_per_request": round(statistics.median(own[who]), 3),
                    "req_per_s": round(statistics.median(rates[who]), 1),
                    "rounds": steps[who],
                }
                for who in logins
            },
            # All rounds' CPU together, and the spread of the rounds' own ratios.
            "hashless_cpu_over_medusa_cpu": round(sum(own["hashless"]) / sum(own["medusa"]), 3),
            "round_ratios": {
                "min": round(min(ratios), 3),
                "median": round(statistics.median(ratios), 3),
                "max": round(max(ratios), 3),
            },
            "throughput_ratio": round(
                statistics.median(rates["hashless"]) / statistics.median(rates["medusa"]), 3
            ),
        }

    # Pass-through.
    token = backend.call(
        hashless.url,
        "POST",
        "/store/auth/token",
        {"email": hashless_emails[0], "password": PASSWORD},
    )["access_token"]
    through = {"authorization": f"Bearer {token}"}
    me = backend.call(hashless.url, "GET", "/store/customers/me", headers=through)["customer"]
    direct = {
        "authorization": f"Bearer {mint_store_token(me['id'], medusa.jwt_secret, lifetime=3600)}"
    }
    cart = backend.call(
        medusa.url, "POST", "/store/carts", {"region_id": seeded.region_id}, headers=direct
    )["cart"]
    for label, path in (
        ("customers_me", "/store/customers/me"),
        ("cart_read", f"/store/carts/{cart['id']}"),
    ):
        sides = {
            "direct": (medusa.url, repeated(request_bytes("GET", path, headers=direct))),
            "through_hashless": (
                hashless.url,
                repeated(request_bytes("GET", path, headers=through)),
            ),
        }
        p50s = turns_p50(list(sides.values()), args.count, label)
        row = {}
        for (side, (url, make_request)), p50 in zip(sides.items(), p50s, strict=True):
            row[side] = {
                "p50_ms_c1": p50,
                **loaded(url, make_request, pids, args.concurrency, args.count, f"{label} {side}"),
            }
        medusa_cpu = row["direct"]["cpu_ms_per_request"]["medusa"]
        row["hashless_cpu_over_medusa_cpu"] = round(
            row["through_hashless"]["cpu_ms_per_request"]["hashless"] / medusa_cpu, 3
        )
        row["added_p50_ms"] = round(
            row["through_hashless"]["p50_ms_c1"] - row["direct"]["p50_ms_c1"], 3
        )
        row["throughput_ratio"] = round(
            row["through_hashless"]["req_per_s"] / row["direct"]["req_per_s"], 3
        )
        results[label] = row
    return results


@contextmanager
def seeded_medusa(postgres: str) -> Iterator[tuple[backend.MedusaServer, backend.Seeded, Path]]:
    """A real Medusa 1.20.11 on a fresh database (dropped after), seeded, and a scratch
    folder for the servers' logs and files."""
    project = backend.install()
    name = f"hashless_bench_medusa_{uuid.uuid4().hex[:8]}"
    database_url = backend.create_database(postgres, name)
    try:
        backend.migrate(project, database_url)
        with tempfile.TemporaryDirectory() as scratch:
            workdir = Path(scratch)
            log = workdir / "medusa.log"
            with backend.running_medusa(project, database_url, log=log) as medusa:
                yield medusa, backend.seed(medusa), workdir
    finally:
        backend.drop_database(postgres, name)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=600, help="requests per loaded step")
    parser.add_argument(
        "--rounds", type=int, default=5, help="loaded login steps of each server per concurrency"
    )
    parser.add_argument("--customers", type=int, default=200, help="customers on each side")
    parser.add_argument("--first", type=int, default=40, help="first logins timed one by one")
    parser.add_argument("--concurrency", type=int, default=16, help="for the pass-through")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    started_load = load_average()
    with seeded_medusa(args.postgres) as (medusa, seeded, workdir):
        medusa_emails = [f"m{i}@bench.example" for i in range(args.customers)]
        hashless_emails = [f"h{i}@bench.example" for i in range(args.customers)]
        register(medusa, medusa_emails + hashless_emails)
        with stand_in() as (standin, cognito):
            env = stack.hashless_env(
                medusa,
                cognito,
                HASHLESS_COGNITO_RATE_FILE=str(workdir / "quota.bin"),
                **SERVE_SETTINGS,
            )
            with stack.running_hashless(env, workdir) as hashless:
                results = bench(
                    medusa, standin, hashless, seeded, medusa_emails, hashless_emails, args
                )
    print(
        json.dumps(
            {
                "count": args.count,
                "load_average": {"start": started_load, "end": load_average()},
                "cpu_count": os.cpu_count(),
                "results": results,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
