"""CPU of one ``AdminInitiateAuth`` through hashless' Cognito store, with no contention.

    .venv/bin/python benchmarks/cognito_check_cpu.py [--checks 1000]

The stand-in at 0 ms latency; one user; ``CognitoCredentialStore.check`` (botocore:
parameters, SigV4, urllib3, the parser) timed with ``time.process_time`` over
``--checks`` calls in a row after 200 untimed ones. Prints the CPU milliseconds per check.
"""

from __future__ import annotations

import argparse
import json
import time

from harness import StandIn

PASSWORD = "benchmark password 1"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=1000)
    checks = parser.parse_args().checks
    standin = StandIn()
    try:
        standin.configure(latency_ms=0)
        store = standin.credential_store()
        store.create("cus_probe", "probe@bench.example")
        store.set_password("cus_probe", PASSWORD)
        for _ in range(200):
            store.check("cus_probe", PASSWORD)
        started = time.process_time()
        for _ in range(checks):
            store.check("cus_probe", PASSWORD)
        spent = time.process_time() - started
        print(json.dumps({"checks": checks, "cpu_ms_per_check": round(spent * 1000 / checks, 3)}))
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
