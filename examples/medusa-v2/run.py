#!/usr/bin/env python3
"""The Medusa v2 example in one command: ``python3 examples/medusa-v2/run.py``.

Installs the Medusa 2.21.2 project (``npm ci``, once per lock file), makes a throw-away
database, migrates and seeds it, starts a Cognito emulator (moto) with a fresh pool,
hashless (``HASHLESS_PLATFORM=medusa-v2``) and Medusa with the hashless provider as
``emailpass``, then waits for Ctrl-C, when everything stops and the database goes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _in_project_environment() -> None:
    """Re-run inside the checkout's ``.venv`` (made by dev.py) if not there already."""
    sys.path.insert(0, str(ROOT))
    import dev

    dev._ensure_environment("serve")
    python = dev.BIN / "python"
    if Path(sys.executable).resolve() != python.resolve() and not os.environ.get("_HASHLESS_RUN"):
        os.environ["_HASHLESS_RUN"] = "1"
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])  # noqa: S606


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9100, help="Medusa's port")
    args = parser.parse_args()
    _in_project_environment()
    sys.path.insert(0, str(HERE))
    import stack

    from hashless.demo.emulator import running_emulator

    stack.ensure_installed()
    token = secrets.token_hex(24)
    outbox = HERE / ".medusa" / "outbox.jsonl"
    outbox.parent.mkdir(exist_ok=True)
    with running_emulator() as endpoint, stack.medusa_database() as database_url:
        stock = stack.medusa_env(database_url, provider=False)
        print("migrating Medusa's database (about a minute)...", flush=True)
        stack.migrate(stock)
        seeded = stack.seed(stock)
        hashless = stack.start_hashless(
            stack.hashless_env(database_url, token, stack.cognito_settings(endpoint))
        )
        medusa = stack.start_medusa(
            stack.medusa_env(
                database_url, hashless_url=hashless.url, provider_token=token, outbox=outbox
            ),
            port=args.port,
        )
        try:
            print(
                f"\nMedusa 2.21.2   {medusa.url}  (log {medusa.log})\n"
                f"hashless        {hashless.url}  (log {hashless.log})\n"
                f"Cognito (moto)  {endpoint}\n"
                f"publishable key {seeded['publishable_key']}\n"
                f"region          {seeded['region_id']}, variant {seeded['variant_id']}\n"
                f"reset emails    {outbox}\n\n"
                f"Try: curl -s -X POST {medusa.url}/auth/customer/emailpass/register "
                "-H 'content-type: application/json' "
                '-d \'{"email":"ada@example.com","password":"a long password"}\'\n'
                "Ctrl-C stops everything and drops the database.",
                flush=True,
            )
            while medusa.process.poll() is None and hashless.process.poll() is None:
                time.sleep(1)
            print("a server stopped; shutting down", file=sys.stderr)
        except KeyboardInterrupt:
            pass
        finally:
            medusa.stop()
            hashless.stop()


if __name__ == "__main__":
    main()
