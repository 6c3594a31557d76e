#!/usr/bin/env python3
"""Run hashless from a checkout with nothing but Python 3.11+.

    python3 dev.py serve [hashless serve options]   # the local demo on port 9000
    python3 dev.py test  [pytest options]           # the test suite
    python3 dev.py lint                             # ruff and mypy
    python3 dev.py hashless [any hashless command]  # e.g. provision, migrate

It creates ``.venv`` beside this file on first use and reinstalls the project into
it whenever ``pyproject.toml`` changes, then runs the command inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HASHLESS_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".hashless-installed"


def _ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"hashless needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"dev.py: creating {VENV}", file=sys.stderr)
        try:
            venv.create(VENV, with_pip=True)
        except (subprocess.CalledProcessError, OSError) as exc:
            sys.exit(
                f"dev.py: cannot create a virtual environment ({exc}). On Debian or Ubuntu: "
                "apt-get install python3-venv"
            )
    print("dev.py: installing hashless and its test tools into the environment", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test", "lint", "hashless"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    _ensure_environment()
    os.chdir(ROOT)
    if command == "serve":
        return subprocess.call([str(BIN / "hashless"), "serve", *rest])
    if command == "hashless":
        return subprocess.call([str(BIN / "hashless"), *rest])
    if command == "test":
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest])
    linted = ["src", "tests", "benchmarks", "examples", "dev.py"]
    ruff = subprocess.call([str(BIN / "ruff"), "check", *linted])
    mypy = subprocess.call([str(BIN / "mypy")])
    return ruff or mypy


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
