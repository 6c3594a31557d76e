"""Two hashless servers interleaved against one real Medusa v1: code or settings, A/B.

    .venv/bin/python benchmarks/medusa_v1_versus.py first [--rounds 8] [--a-src DIR] [--b-env K=V]
    .venv/bin/python benchmarks/medusa_v1_versus.py logins [--rounds 3] [--concurrency 64] ...

Side A runs the hashless of ``--a-src`` (a ``src`` folder of another checkout, put first
on its ``PYTHONPATH``; default: this checkout), side B this checkout with ``--b-env``
settings added. Both serve Medusa's database (``benchmarks/medusa_v1.py``'s stack: a
real Medusa 1.20.11, the stand-in at 50 ms, quota shaping off), so machine noise falls
on both alike: a difference between separate runs of ``medusa_v1.py`` is often smaller
than the drift between them.

- ``first``: per round, Medusa's login p50 (60 logins), then 40 first logins one after
  the other through each side (the order alternates from round to round); the
  stand-in's ``AdminCreateUser`` + ``AdminSetUserPassword`` p50 at the end.
- ``logins``: every customer migrated on both sides, then per round 600 migrated logins
  at ``--concurrency`` through A, through B, and 600 of Medusa's own, with each server
  process's CPU per login.

Prints one JSON document: each side's figures per round, and their medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from harness import StandIn

from medusa_v1 import (
    SERVE_SETTINGS,
    backend,
    create_and_set_p50,
    loaded,
    login_request,
    p50_c1,
    register,
    run,
    seeded_medusa,
    stack,
    stand_in,
)

PER_ROUND = 40


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("first", "logins"))
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=64, help="for logins")
    parser.add_argument("--a-src", default=None, help="side A's src folder")
    parser.add_argument("--b-env", nargs="*", default=[], help="side B's extra settings")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    rounds = args.rounds or (8 if args.mode == "first" else 3)
    with seeded_medusa(args.postgres) as (medusa, _, workdir):
        size = rounds * PER_ROUND if args.mode == "first" else 200
        customers = {side: [f"{side}{i}@bench.example" for i in range(size)] for side in "ab"}
        medusa_own = [f"m{i}@bench.example" for i in range(200)]
        register(medusa, customers["a"] + customers["b"] + medusa_own)
        with stand_in() as (standin, cognito):
            results = versus(args, rounds, medusa, standin, cognito, customers, medusa_own, workdir)
    print(json.dumps(results, indent=2))
    return 0


def versus(
    args: argparse.Namespace,
    rounds: int,
    medusa: backend.MedusaServer,
    standin: StandIn,
    cognito: dict[str, str],
    customers: dict[str, list[str]],
    medusa_own: list[str],
    workdir: Path,
) -> dict[str, Any]:
    a_env = {**SERVE_SETTINGS, **({"PYTHONPATH": args.a_src} if args.a_src else {})}
    b_env = {**SERVE_SETTINGS, **dict(pair.split("=", 1) for pair in args.b_env)}
    for side in "ab":
        (workdir / side).mkdir()
    env = {
        side: stack.hashless_env(
            medusa, cognito, HASHLESS_COGNITO_RATE_FILE=str(workdir / f"{side}.bin"), **extra
        )
        for side, extra in (("a", a_env), ("b", b_env))
    }
    # Two of Medusa's own customers warm each hashless (and so migrate); Medusa's own
    # logins use the rest.
    warm, theirs = {"a": medusa_own[:2], "b": medusa_own[2:4]}, medusa_own[4:]
    with (
        stack.running_hashless(env["a"], workdir / "a") as a,
        stack.running_hashless(env["b"], workdir / "b") as b,
    ):
        servers = {"a": a, "b": b}
        run(medusa.url, login_request(theirs), 1, 30)
        for side, server in servers.items():
            run(server.url, login_request(warm[side]), 1, len(warm[side]))
        out: dict[str, Any] = {"a": [], "b": [], "medusa": []}
        if args.mode == "first":
            for r in range(rounds):
                out["medusa"].append(p50_c1(medusa.url, login_request(theirs), 60, "medusa"))
                order = list(servers.items()) if r % 2 == 0 else list(reversed(servers.items()))
                for side, server in order:
                    batch = customers[side][r * PER_ROUND : (r + 1) * PER_ROUND]
                    out[side].append(p50_c1(server.url, login_request(batch), len(batch), side))
            out["create_and_set_password_p50_ms"] = create_and_set_p50(standin, 30)
        else:
            for side, server in servers.items():
                run(server.url, login_request(customers[side]), 16, len(customers[side]))
            pids = {"a": a.process.pid, "b": b.process.pid, "medusa": medusa.process.pid}
            for _ in range(rounds):
                for side, server in servers.items():
                    step = loaded(
                        server.url,
                        login_request(customers[side]),
                        pids,
                        args.concurrency,
                        600,
                        side,
                    )
                    out[side].append(step["cpu_ms_per_request"][side])
                step = loaded(medusa.url, login_request(theirs), pids, args.concurrency, 600, "m")
                out["medusa"].append(step["cpu_ms_per_request"]["medusa"])
        out["median"] = {k: statistics.median(v) for k, v in out.items() if isinstance(v, list)}
        return out


if __name__ == "__main__":
    sys.exit(main())
