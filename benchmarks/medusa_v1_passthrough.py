"""What hashless' pass-through adds to a request a storefront makes to Medusa v1.

    python3 dev.py hashless --version >/dev/null   # the environment, once
    .venv/bin/python benchmarks/medusa_v1_passthrough.py [--count 400] [--concurrency 8]

Starts a real Medusa v1.20.11 (``examples/medusa-v1``, fresh database), a customer
registered through Medusa, a moto Cognito stand-in and ``hashless serve`` in
``HASHLESS_PLATFORM=medusa-v1`` mode in front of it; logs the customer in through
hashless (a bearer session) and creates a cart. Then, for ``GET /store/customers/me``
and a cart read, each straight to Medusa (with a Medusa JWT) and through hashless (with
the hashless bearer token, which hashless turns into a minted JWT):

- p50 and p95 latency at concurrency 1, and the added p50 from interleaved rounds of
  both ways (``interleaved_c1``): hashless' share of the latency;
- at ``--concurrency``: throughput, and CPU per request of each server process (from
  /proc, children included): hashless' own CPU per passed request against Medusa's for
  the same request. Both share this machine's cores, so throughput through hashless is
  below Medusa's alone; the ratio is reported, not chased.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "examples" / "medusa-v1"))

import medusa_backend as backend  # noqa: E402
import stack  # noqa: E402
from harness import cpu_seconds  # noqa: E402
from loadgen import closed_loop, request_bytes  # noqa: E402

from hashless.platforms.medusa_v1.tokens import mint_store_token  # noqa: E402

PASSWORD = "benchmark password 1"
_TICKS = os.sysconf("SC_CLK_TCK")


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


def run(
    url: str, path: str, headers: dict[str, str], concurrency: int, count: int
) -> tuple[list[float], float, list[int]]:
    parts = urlsplit(url)
    request = request_bytes("GET", path, headers=headers)
    outcome = asyncio.run(
        closed_loop(
            parts.hostname or "127.0.0.1",
            parts.port or 80,
            lambda _: request,
            concurrency=concurrency,
            count=count,
        )
    )
    return outcome.latencies, outcome.elapsed, outcome.statuses


def measure(
    name: str,
    url: str,
    path: str,
    headers: dict[str, str],
    pids: dict[str, int],
    concurrency: int,
    count: int,
) -> dict[str, Any]:
    run(url, path, headers, 1, 50)  # warm both servers' pools and caches
    latencies, _, statuses = run(url, path, headers, 1, count)
    assert set(statuses) == {200}, (name, set(statuses))
    before = {who: tree_cpu(pid) for who, pid in pids.items()}
    _, elapsed, statuses = run(url, path, headers, concurrency, count)
    after = {who: tree_cpu(pid) for who, pid in pids.items()}
    assert set(statuses) == {200}, (name, set(statuses))
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "p50_ms_c1": round(statistics.median(latencies) * 1000, 3),
        "p95_ms_c1": round(quantiles[18] * 1000, 3),
        f"req_per_s_c{concurrency}": round(count / elapsed, 1),
        f"cpu_ms_per_request_c{concurrency}": {
            who: round((after[who] - before[who]) / count * 1000, 3) for who in pids
        },
    }


def paired_p50(
    direct: tuple[str, dict[str, str]],
    through: tuple[str, dict[str, str]],
    path: str,
    rounds: int = 20,
    per_round: int = 25,
) -> dict[str, float]:
    """p50 at concurrency 1 of each way, from interleaved rounds, so that the machine's
    drift (2 cores shared with everything else) falls on both alike."""
    ways: dict[str, list[float]] = {"direct": [], "through_hashless": []}
    for _ in range(rounds):
        for name, (url, headers) in (("direct", direct), ("through_hashless", through)):
            latencies, _, statuses = run(url, path, headers, 1, per_round)
            assert set(statuses) == {200}, (name, set(statuses))
            ways[name].extend(latencies)
    p50 = {name: statistics.median(values) * 1000 for name, values in ways.items()}
    return {
        "p50_ms_direct": round(p50["direct"], 3),
        "p50_ms_through": round(p50["through_hashless"], 3),
        "added_p50_ms": round(p50["through_hashless"] - p50["direct"], 3),
        "samples_each": rounds * per_round,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    project = backend.install()
    name = f"hashless_bench_medusa_{uuid.uuid4().hex[:8]}"
    database_url = backend.create_database(args.postgres, name)
    try:
        backend.migrate(project, database_url)
        with tempfile.TemporaryDirectory() as scratch:
            workdir = Path(scratch)
            with backend.running_medusa(
                project, database_url, log=workdir / "medusa.log"
            ) as medusa:
                seeded = backend.seed(medusa)
                email = "bench@example.com"
                customer_id = backend.register_through_medusa(medusa, email, PASSWORD)
                with stack.running_cognito_stand_in(workdir) as cognito:
                    env = stack.hashless_env(medusa, cognito, HASHLESS_LOG_LEVEL="warning")
                    with stack.running_hashless(env, workdir) as hashless:
                        token = backend.call(
                            hashless.url,
                            "POST",
                            "/store/auth/token",
                            {"email": email, "password": PASSWORD},
                        )["access_token"]
                        through = {"authorization": f"Bearer {token}"}
                        medusa_jwt = mint_store_token(customer_id, medusa.jwt_secret, lifetime=3600)
                        direct = {"authorization": f"Bearer {medusa_jwt}"}
                        cart = backend.call(
                            medusa.url,
                            "POST",
                            "/store/carts",
                            {"region_id": seeded.region_id},
                            headers=direct,
                        )["cart"]
                        pids = {"medusa": medusa.process.pid, "hashless": hashless.process.pid}
                        results: dict[str, Any] = {}
                        for label, path in (
                            ("customers_me", "/store/customers/me"),
                            ("cart_read", f"/store/carts/{cart['id']}"),
                        ):
                            results[label] = {
                                "direct": measure(
                                    label,
                                    medusa.url,
                                    path,
                                    direct,
                                    pids,
                                    args.concurrency,
                                    args.count,
                                ),
                                "through_hashless": measure(
                                    label,
                                    hashless.url,
                                    path,
                                    through,
                                    pids,
                                    args.concurrency,
                                    args.count,
                                ),
                            }
                            row = results[label]
                            row["interleaved_c1"] = paired_p50(
                                (medusa.url, direct), (hashless.url, through), path
                            )
                            cpu = f"cpu_ms_per_request_c{args.concurrency}"
                            medusa_cpu = row["direct"][cpu]["medusa"]
                            row["hashless_cpu_over_medusa_cpu"] = round(
                                row["through_hashless"][cpu]["hashless"] / medusa_cpu, 3
                            )
                            row["added_p50_ms"] = round(
                                row["through_hashless"]["p50_ms_c1"] - row["direct"]["p50_ms_c1"],
                                3,
                            )
                            rate = f"req_per_s_c{args.concurrency}"
                            row["throughput_ratio"] = round(
                                row["through_hashless"][rate] / row["direct"][rate], 3
                            )
        print(json.dumps({"count": args.count, "results": results}, indent=2))
    finally:
        backend.drop_database(args.postgres, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
