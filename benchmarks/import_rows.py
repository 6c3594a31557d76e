"""Benchmark ``hashless import`` (and optionally ``hashless harden``) into PostgreSQL.

    .venv/bin/python benchmarks/import_rows.py --rows 1000000
    .venv/bin/python benchmarks/import_rows.py --rows 100000 --rows 1000000 --rerun
    .venv/bin/python benchmarks/import_rows.py --rows 100000 --harden-rows 2000

For each size it writes a CSV of Medusa v1 customers (a real scrypt-kdf value per row,
logN 1 like Medusa v1, password ``password-<n>``), creates a scratch PostgreSQL database,
runs ``hashless import`` on it as a child process and reports rows/s and the child's
peak RSS. Sizes side by side show whether memory grows with the file; ``--rerun``
imports the same file again (nothing may change). Then a sample of
the imported customers logs in through the migration engine (in-memory credential
store) and must migrate; ``--harden-rows`` also times ``hashless harden --limit`` and
checks that a sample of the hardened customers still logs in. Scratch databases are
dropped at the end. It measures and reports; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.storage import Database
from hashless.storage.models import Customer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.importing.medusa import medusa_v1_hash  # the test suite's Medusa v1 data

HASHLESS = Path(sys.executable).with_name("hashless")
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FIRST_NAMES = ["Anna", "Bram", "Chloé", "Dmitri", "Eva", "Farah", "Günter", "Hana", "Iker", "Jun"]
COLUMNS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "password_hash",
    "has_account",
    "metadata",
    "created_at",
)
LAST_NAMES = ["Jansen", "Müller", "Nakamura", "O'Brien", "Petrov", "Quispe", "Rossi", "Søndergaard"]


def customer_id(n: int) -> str:
    return f"cus_{n:026d}"


def write_csv(path: Path, rows: int) -> float:
    started = time.perf_counter()
    rng = random.Random(rows)
    with path.open("w", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(COLUMNS)
        for n in range(rows):
            out.writerow(
                [
                    customer_id(n),
                    f"customer{n}@example.com",
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    f"+31 6 {n:08d}" if n % 3 else "",
                    medusa_v1_hash(f"password-{n}"),
                    "true",
                    '{"newsletter": true}' if n % 10 == 0 else "",
                    f"2023-{1 + n % 12:02d}-{1 + n % 28:02d} 10:{n % 60:02d}:00.000+00",
                ]
            )
    return time.perf_counter() - started


def run_child(args: list[str], env: dict[str, str], workdir: Path) -> tuple[float, float, str]:
    """Run a hashless command; its wall time, peak RSS in MiB (from wait4) and stdout."""
    out_path, err_path = workdir / "child.out", workdir / "child.err"
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{args[1]} failed ({code}): {err_path.read_text()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out_path.read_text()


def login_sample(url: str, ids: list[str]) -> int:
    """Log a sample in through the engine; count those that moved to the credential store."""
    db = Database.connect(url, pool_size=2, apply_migrations=False)
    store = InMemoryCredentialStore()
    engine = MigrationEngine(db.records, store, default_registry())
    migrated = 0
    for customer in ids:
        n = int(customer.removeprefix("cus_"))
        record = engine.login(f"customer{n}@example.com", f"password-{n}")
        if record.state.value == "cognito" and store.password_of(customer) == f"password-{n}":
            migrated += 1
    db.engine.dispose()
    return migrated


def bench(
    size: int, base_url: str, workdir: Path, harden_rows: int, sample: int, rerun: bool
) -> dict[str, Any]:
    csv_path = workdir / f"medusa-v1-{size}.csv"
    generated = write_csv(csv_path, size)
    name = f"hashless_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        Database.connect(url, pool_size=1).engine.dispose()  # the schema first, untimed
        env = {**os.environ, "HASHLESS_DATABASE_URL": url}
        seconds, peak, out = run_child(
            [str(HASHLESS), "import", str(csv_path), "--json"], env, workdir
        )
        summary = json.loads(out)
        result: dict[str, Any] = {
            "rows": size,
            "csv_mib": round(csv_path.stat().st_size / 2**20, 1),
            "csv_generation_s": round(generated, 1),
            "imported": summary["imported"],
            "rejected": sum(summary["rejected"].values()),
            "import_s": summary["seconds"],
            "rows_per_s": summary["rows_per_second"],
            "command_wall_s": round(seconds, 2),
            "command_rows_per_s": round(size / seconds),
            "peak_rss_mib": round(peak, 1),
        }
        if rerun:
            seconds, peak, out = run_child(
                [str(HASHLESS), "import", str(csv_path), "--json"], env, workdir
            )
            again = json.loads(out)
            result["rerun"] = {
                "imported": again["imported"],
                "updated": again["updated"],
                "skipped": again["skipped"],
                "rows_per_s": again["rows_per_second"],
                "peak_rss_mib": round(peak, 1),
            }
        chosen = random.Random(size + 1).sample(range(size), min(sample, size))
        migrated = login_sample(url, [customer_id(n) for n in chosen])
        result["login_sample"] = f"{migrated}/{len(chosen)} migrated"
        if harden_rows:
            result.update(bench_harden(url, env, workdir, harden_rows, sample))
        return result
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        csv_path.unlink(missing_ok=True)


def bench_harden(
    url: str, env: dict[str, str], workdir: Path, rows: int, sample: int
) -> dict[str, Any]:
    seconds, peak, out = run_child(
        [str(HASHLESS), "harden", "--limit", str(rows), "--json"], env, workdir
    )
    summary = json.loads(out)
    db = Database.connect(url, pool_size=1, apply_migrations=False)
    with db.sessions_factory() as session:
        hardened = list(
            session.scalars(
                select(Customer.id).where(Customer.legacy_format == "hardened").limit(sample)
            )
        )
    db.engine.dispose()
    return {
        "hardened": summary["hardened"],
        "harden_s": summary["seconds"],
        "harden_rows_per_s": summary["rows_per_second"],
        "harden_workers": summary["workers"],
        "harden_cost": summary["cost"],
        "harden_command_wall_s": round(seconds, 2),
        "harden_peak_rss_mib": round(peak, 1),
        "hardened_login_sample": f"{login_sample(url, hardened)}/{len(hardened)} migrated",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="CSV size (repeatable)")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("HASHLESS_BENCH_POSTGRES_URL", DEFAULT_URL)
    )
    parser.add_argument("--harden-rows", type=int, default=0, help="also harden this many rows")
    parser.add_argument("--sample", type=int, default=50, help="customers logged in afterwards")
    parser.add_argument("--rerun", action="store_true", help="import the same file a second time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hashless-import-bench-") as workdir:
        for size in args.rows or [1_000_000]:
            result = bench(
                size, args.postgres_url, Path(workdir), args.harden_rows, args.sample, args.rerun
            )
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
