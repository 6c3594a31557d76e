"""Medusa v2 logins: the hashless provider beside Medusa's own emailpass, one server.

    .venv/bin/python benchmarks/medusa_v2.py            # about three minutes
    .venv/bin/python benchmarks/medusa_v2.py --quick    # a smoke run

One Medusa 2.21.2 (``examples/medusa-v2``, ``HASHLESS_EXAMPLE_SIDE_BY_SIDE=1``) serves
both providers: ``hashless`` is the hashless provider (hashless with
``HASHLESS_PLATFORM=medusa-v2`` in front of the Cognito stand-in, 50 ms per call) and
``emailpass`` is Medusa's own (scrypt logN 15 in Node). The provider's customers have
their password in Cognito only, as a migrated customer does. Reported: logins per
second at concurrency 16 for each, and at concurrency 1 the median login through Medusa
and the provider next to the median of the same call made straight to hashless, whose
difference is what Medusa and the provider hop add. Needs node, npm and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import secrets
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from harness import CLIENT_ID, POOL_ID, StandIn, cpu_seconds
from loadgen import Outcome, _Connection, closed_loop, request_bytes

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password"


def _stack() -> Any:
    spec = importlib.util.spec_from_file_location(
        "medusa_v2_stack", ROOT / "examples" / "medusa-v2" / "stack.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{url} answered {exc.code}: {exc.read()[:300]!r}") from None


def _login(provider: str, emails: list[str]) -> Any:
    def make(index: int) -> bytes:
        body = json.dumps({"email": emails[index % len(emails)], "password": PASSWORD})
        return request_bytes("POST", f"/auth/customer/{provider}", body.encode())

    return make


async def _paired(
    medusa_port: int, via_medusa: bytes, hashless_port: int, direct: bytes, count: int
) -> dict[str, float]:
    """The same login through Medusa and the provider, and straight to hashless, one
    after the other ``count`` times: the median of the pairs' differences is what
    Medusa's route and the provider hop add, with the machine's drift cancelled out."""
    through = await _Connection.open("127.0.0.1", medusa_port)
    straight = await _Connection.open("127.0.0.1", hashless_port)
    differences, via, plain = [], [], []
    for _ in range(count):
        started = time.perf_counter()
        status_a, _, _ = await through.exchange(via_medusa)
        middle = time.perf_counter()
        status_b, _, _ = await straight.exchange(direct)
        ended = time.perf_counter()
        assert status_a == status_b == 200, (status_a, status_b)
        via.append(middle - started)
        plain.append(ended - middle)
        differences.append((middle - started) - (ended - middle))
    through.close()
    straight.close()
    return {
        "pairs": count,
        "through_medusa_p50_ms": round(statistics.median(via) * 1000, 1),
        "straight_to_hashless_p50_ms": round(statistics.median(plain) * 1000, 1),
        "added_p50_ms": round(statistics.median(differences) * 1000, 1),
    }


def _summary(outcome: Outcome) -> dict[str, float]:
    ok = sum(1 for status in outcome.statuses if status == 200)
    return {
        "requests": len(outcome.statuses),
        "ok": ok,
        "per_second": round(ok / outcome.elapsed, 1),
        "p50_ms": round(statistics.median(outcome.latencies) * 1000, 1),
    }


def run(quick: bool) -> dict[str, Any]:
    stack = _stack()
    stack.ensure_installed()
    token = secrets.token_hex(24)
    standin = StandIn()
    standin.configure(latency_ms=50)
    results: dict[str, Any] = {}
    try:
        with stack.medusa_database() as database_url:
            stack.migrate(stack.medusa_env(database_url, provider=False))
            hashless = stack.start_hashless(
                stack.hashless_env(
                    database_url,
                    token,
                    {
                        "COGNITO_USER_POOL_ID": POOL_ID,
                        "COGNITO_CLIENT_ID": CLIENT_ID,
                        "COGNITO_ENDPOINT_URL": standin.url,
                        "COGNITO_ACCESS_KEY_ID": "AKIABENCHMARK000000",
                        "COGNITO_SECRET_ACCESS_KEY": "bench-secret-key",
                    },
                    # The stand-in is the pool here: no quota of this host's own in the way.
                    HASHLESS_COGNITO_RATE_AUTH="0",
                    HASHLESS_COGNITO_RATE_CREATE="0",
                    HASHLESS_COGNITO_RATE_RECOVERY="0",
                    HASHLESS_LOG_FORMAT="text",
                )
            )
            medusa = stack.start_medusa(
                stack.medusa_env(
                    database_url,
                    hashless_url=hashless.url,
                    provider_token=token,
                    HASHLESS_EXAMPLE_SIDE_BY_SIDE="1",
                )
            )
            try:
                results = _measure(medusa, hashless, token, quick)
            finally:
                medusa.stop()
                hashless.stop()
    finally:
        standin.stop()
    return results


def _measure(medusa: Any, hashless: Any, token: str, quick: bool) -> dict[str, Any]:
    customers = 8 if quick else 32
    emails = {
        provider: [f"{provider}-{i}@bench.example.com" for i in range(customers)]
        for provider in ("hashless", "emailpass")
    }
    for provider, addresses in emails.items():
        for email in addresses:
            _post(
                f"{medusa.url}/auth/customer/{provider}/register",
                {"email": email, "password": PASSWORD},
            )
    host, port = "127.0.0.1", medusa.port
    counts = {"hashless": 60, "emailpass": 20} if quick else {"hashless": 600, "emailpass": 160}
    results: dict[str, Any] = {"concurrency_16": {}, "concurrency_1": {}}
    for provider, addresses in emails.items():
        # Warm-up: JIT, connection pools, the first of each path.
        asyncio.run(closed_loop(host, port, _login(provider, addresses), concurrency=4, count=8))
        before = {
            name: cpu_seconds(s.process.pid)
            for name, s in (("medusa", medusa), ("hashless", hashless))
        }
        outcome = asyncio.run(
            closed_loop(
                host, port, _login(provider, addresses), concurrency=16, count=counts[provider]
            )
        )
        summary = _summary(outcome)
        for name, server in (("medusa", medusa), ("hashless", hashless)):
            spent = cpu_seconds(server.process.pid) - before[name]
            summary[f"{name}_cpu_ms_per_login"] = round(spent * 1000 / max(summary["ok"], 1), 1)
        results["concurrency_16"][provider] = summary
    serial = 30 if quick else 200
    for provider, addresses in emails.items():
        outcome = asyncio.run(
            closed_loop(host, port, _login(provider, addresses), concurrency=1, count=serial)
        )
        results["concurrency_1"][provider] = _summary(outcome)
    direct_body = json.dumps({"email": emails["hashless"][0], "password": PASSWORD}).encode()
    via_medusa = _login("hashless", emails["hashless"][:1])(0)
    direct = request_bytes(
        "POST",
        "/medusa-v2/provider/authenticate",
        direct_body,
        {"x-hashless-provider-token": token},
    )
    hop = asyncio.run(_paired(medusa.port, via_medusa, hashless.port, direct, serial))
    results["concurrency_1"]["provider_hop"] = hop
    c16 = results["concurrency_16"]
    c1 = results["concurrency_1"]
    results["throughput_ratio"] = round(
        c16["hashless"]["per_second"] / c16["emailpass"]["per_second"], 1
    )
    results["provider_hop_added_p50_ms"] = c1["provider_hop"]["added_p50_ms"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, a few requests")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = run(args.quick)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
