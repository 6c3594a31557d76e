#!/usr/bin/env python3
"""A real Medusa v1 store with hashless in front of it, in one command.

    python3 examples/medusa-v1/run.py [--port 9000] [--medusa-port 9001]

Installs Medusa 1.20.11 from npm (cached under .cache/medusa-v1/), makes a fresh
PostgreSQL database ``hashless_example_medusa_v1`` (dropped when it stops), runs
Medusa's migrations, starts Medusa, seeds a region, a product and a shipping option,
registers a customer through Medusa itself (so it has a legacy scrypt hash, as every
customer of a store that predates hashless does), then starts a moto server as a
stand-in for Cognito and ``hashless serve`` with ``HASHLESS_PLATFORM=medusa-v1`` in
front of Medusa. Point a storefront (or medusa-js, or curl) at hashless' port; Ctrl-C
stops everything.

The stand-in forgets its users when it stops, so every run starts from a fresh store.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATABASE = "hashless_example_medusa_v1"
LEGACY_EMAIL = "legacy@example.com"
LEGACY_PASSWORD = "legacy password 1"


def _in_hashless_environment() -> None:
    """Re-run this script in dev.py's environment (created on first use)."""
    sys.path.insert(0, str(ROOT))
    import dev

    if Path(sys.prefix).resolve() != dev.VENV.resolve():
        dev._ensure_environment("serve")
        python = str(dev.BIN / "python")
        os.execv(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9000, help="hashless (the storefront's URL)")
    parser.add_argument("--medusa-port", type=int, default=9001, help="Medusa itself")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "HASHLESS_EXAMPLE_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server (any database on it) where the example may create one",
    )
    parser.add_argument("--store-cors", default="http://localhost:8000", help="HASHLESS_STORE_CORS")
    args = parser.parse_args()
    _in_hashless_environment()
    sys.path.insert(0, str(HERE))
    import medusa_backend as backend
    import stack

    print("Installing Medusa v1.20.11 (cached after the first run)...", flush=True)
    project = backend.install()
    backend.drop_database(args.postgres, DATABASE)
    database_url = backend.create_database(args.postgres, DATABASE)
    try:
        return _run(args, project, database_url, backend, stack)
    finally:
        backend.drop_database(args.postgres, DATABASE)


def _run(
    args: argparse.Namespace, project: Path, database_url: str, backend: Any, stack: Any
) -> int:
    print(f"Migrating the new database {DATABASE}...", flush=True)
    backend.migrate(project, database_url)
    admin_token = secrets.token_hex(24)
    with tempfile.TemporaryDirectory(prefix="hashless-medusa-v1-") as scratch:
        workdir = Path(scratch)
        with backend.running_medusa(
            project, database_url, port=args.medusa_port, log=workdir / "medusa.log"
        ) as medusa:
            seeded = backend.seed(medusa)
            backend.register_through_medusa(medusa, LEGACY_EMAIL, LEGACY_PASSWORD)
            with stack.running_cognito_stand_in(workdir) as cognito:
                env = stack.hashless_env(
                    medusa,
                    cognito,
                    HASHLESS_ADMIN_TOKEN=admin_token,
                    HASHLESS_STORE_CORS=args.store_cors,
                )
                with stack.running_hashless(env, workdir, port=args.port) as hashless:
                    print(
                        _banner(hashless.url, medusa.url, admin_token, seeded, workdir), flush=True
                    )
                    try:
                        while hashless.process.poll() is None and medusa.process.poll() is None:
                            time.sleep(0.5)
                    except KeyboardInterrupt:
                        print("\nStopping.", flush=True)
                        return 0
                    print(f"A server stopped; logs were in {workdir}", file=sys.stderr)
                    return 1


def _banner(url: str, medusa_url: str, token: str, seeded: object, workdir: Path) -> str:
    return f"""
hashless (Medusa v1 mode) is in front of a real Medusa v1.20.11 store.

  Storefront URL   {url}          (point medusa-js / your storefront here)
  Medusa itself    {medusa_url}   (hashless passes every other request here)
  Seeded           {seeded}
  Legacy customer  {LEGACY_EMAIL} / {LEGACY_PASSWORD}  (registered in Medusa, scrypt hash)
  Admin token      {token}        (hashless' /admin dashboard and API)
  Logs             {workdir}

Try it:
  curl -si {url}/store/auth -H 'content-type: application/json' \\
       -d '{{"email": "{LEGACY_EMAIL}", "password": "{LEGACY_PASSWORD}"}}'
  # the customer is now in the Cognito stand-in and its Medusa password_hash is NULL
  curl -s {url}/store/customers/me -H 'cookie: hashless_sid=<the cookie above>'

Ctrl-C stops Medusa, the stand-in and hashless.
"""


if __name__ == "__main__":
    sys.exit(main())
