#!/usr/bin/env python3
"""Run hashless from a checkout with nothing but Python 3.11+.

    python3 dev.py serve [hashless serve options]   # the local demo on port 9000
    python3 dev.py test  [pytest options]           # the test suite
    python3 dev.py lint                             # ruff and mypy
    python3 dev.py hashless [any hashless command]  # e.g. provision, migrate
    python3 dev.py lock [--upgrade]                 # refresh requirements/*.lock

It creates ``.venv`` beside this file on first use and installs the pinned versions
of ``requirements/serve.lock`` (serve, hashless) or ``requirements/dev.lock`` (test,
lint, a superset) into it, then hashless itself from this checkout, and reinstalls
whenever a lock or ``pyproject.toml`` changes. The locks are made from
``pyproject.toml``'s ranges by ``python3 dev.py lock`` (uv, pinned in
``requirements/lock-tool.txt``), which keeps every pin it can and ``--upgrade``
moves all of them to the newest releases the ranges allow.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HASHLESS_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".hashless-installed"
REQUIREMENTS = ROOT / "requirements"
LOCK_TOOL = REQUIREMENTS / "lock-tool.txt"
TOOL_VENV = ROOT / ".cache" / "lock-tool"
LOCKS = {
    # What each lock holds: pyproject extras. dev.lock is resolved first and constrains
    # serve.lock, so a package has one version in both.
    "dev": ["dev"],
    "serve": ["service", "postgres", "medusa-v1", "emulator", "hashes"],
}
INSTALLER = ["pip>=25"]
"""Locked too, and installed first: Python 3.11's own pip takes about twice as long."""
DIGEST_LINE = re.compile(r"^# pyproject inputs sha256: ([0-9a-f]{64})$", re.MULTILINE)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def _pip_command(python: Path) -> list[str]:
    return [str(python), "-m", "pip", "--disable-pip-version-check"]


def _bin(directory: Path, name: str) -> Path:
    return directory / ("Scripts" if os.name == "nt" else "bin") / name


def _new_venv(path: Path) -> None:
    try:
        venv.create(path, with_pip=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        sys.exit(
            f"dev.py: cannot create a virtual environment ({exc}). On Debian or Ubuntu: "
            "apt-get install python3-venv"
        )


def inputs_digest(root: Path = ROOT) -> str:
    """What the locks are made from: pyproject's requirements, nothing else in it."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    inputs = {
        "requires-python": project["project"].get("requires-python"),
        "dependencies": project["project"].get("dependencies", []),
        "optional-dependencies": project["project"].get("optional-dependencies", {}),
        "build-system": project["build-system"].get("requires", []),
        "extras-locked": LOCKS,
        "installer": INSTALLER,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def stale_locks(root: Path = ROOT) -> list[str]:
    """The locks not made from the current pyproject.toml (or missing)."""
    wanted = inputs_digest(root)
    stale = []
    for name in LOCKS:
        path = root / "requirements" / f"{name}.lock"
        found = DIGEST_LINE.search(path.read_text()) if path.exists() else None
        if found is None or found.group(1) != wanted:
            stale.append(name)
    return stale


def _lock_tool() -> Path:
    """uv, at the version and hashes of requirements/lock-tool.txt, in .cache/lock-tool."""
    uv = _bin(TOOL_VENV, "uv")
    wanted = hashlib.sha256(LOCK_TOOL.read_bytes()).hexdigest()
    stamp = TOOL_VENV / ".hashless-installed"
    if uv.exists() and stamp.exists() and stamp.read_text() == wanted:
        return uv
    _say(f"installing the lock tool (requirements/lock-tool.txt) into {TOOL_VENV}")
    if not _bin(TOOL_VENV, "python").exists():
        _new_venv(TOOL_VENV)
    pip = _pip_command(_bin(TOOL_VENV, "python"))
    subprocess.run([*pip, "install", "-q", "--require-hashes", "-r", str(LOCK_TOOL)], check=True)
    stamp.write_text(wanted)
    return uv


def lock(upgrade: bool = False) -> None:
    """Write requirements/*.lock from pyproject.toml: every platform, Python 3.11 and up."""
    uv = _lock_tool()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    oldest = re.search(r"\d+\.\d+", project["project"]["requires-python"])
    assert oldest, "requires-python names no version"
    build = "\n".join([*project["build-system"]["requires"], *INSTALLER]) + "\n"
    digest = inputs_digest()
    REQUIREMENTS.mkdir(exist_ok=True)
    for name, extras in LOCKS.items():
        target = REQUIREMENTS / f"{name}.lock"
        _say(f"resolving {target.relative_to(ROOT)} (extras: {', '.join(extras)})")
        # The build backend is locked too (hashless installs with --no-build-isolation),
        # and so is pip.
        command = [str(uv), "pip", "compile", "-q", "pyproject.toml", "-", "--universal"]
        command += ["--generate-hashes", "--python-version", oldest.group(0)]
        command += ["--custom-compile-command", "python3 dev.py lock", "-o", str(target)]
        command += [arg for extra in extras for arg in ("--extra", extra)]
        if name != "dev":
            command += ["-c", str(REQUIREMENTS / "dev.lock")]
        if upgrade:
            command.append("--upgrade")
        subprocess.run(command, input=build, text=True, check=True, cwd=ROOT)
        body = target.read_text()
        target.write_text(f"# pyproject inputs sha256: {digest}\n{body}")
    _say("done: commit requirements/ with pyproject.toml")


def _block(lock_file: Path, name: str) -> str:
    """One package's lines of a lock: its pin and hashes."""
    lines = lock_file.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}=="))
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines)
    )
    return "\n".join(lines[start:end]) + "\n"


def _installed() -> dict[str, str]:
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def _ensure_environment(lock_name: str) -> None:
    """``.venv`` holding ``lock_name``'s pins (or the dev superset) and this checkout."""
    if sys.version_info < (3, 11):
        sys.exit(f"hashless needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stale = stale_locks()
    if stale:
        files = ", ".join(f"requirements/{name}.lock" for name in stale)
        if IN_CI:
            sys.exit(
                f"dev.py: {files} not made from this pyproject.toml: its dependencies "
                "changed. Run `python3 dev.py lock` and commit requirements/"
            )
        _say(f"pyproject.toml's dependencies changed since {files} was made: refreshing it")
        lock()
    locks = {
        name: hashlib.sha256(REQUIREMENTS.joinpath(f"{name}.lock").read_bytes()).hexdigest()
        for name in LOCKS
    }
    project = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = _installed()
    has_pins = any(installed.get(name) == locks[name] for name in {lock_name, "dev"})
    if has_pins and installed.get("project") == project:
        return
    started = time.monotonic()
    if not (BIN / "python").exists():
        _say(f"[1/4] creating {VENV}")
        _new_venv(VENV)
    pip = _pip_command(BIN / "python")
    if not has_pins:
        path = REQUIREMENTS / f"{lock_name}.lock"
        _say("[2/4] installing the locked pip")
        pinned_pip = VENV / "pip.lock"
        pinned_pip.write_text(_block(path, "pip"))
        subprocess.run(
            [*pip, "install", "-q", "--require-hashes", "-r", str(pinned_pip)], check=True
        )
        count = sum(1 for line in path.read_text().splitlines() if re.match(r"[A-Za-z0-9]", line))
        _say(
            f"[3/4] installing {count} pinned packages from {path.relative_to(ROOT)} "
            "(the first time takes a minute or two)"
        )
        subprocess.run([*pip, "install", "--require-hashes", "-r", str(path)], check=True)
        installed = {lock_name: locks[lock_name]}
    _say("[4/4] installing hashless from this checkout (editable)")
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True
    )
    STAMP.write_text(json.dumps(installed | {"project": project}))
    _say(f"environment ready in {time.monotonic() - started:.0f} s")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test", "lint", "hashless", "lock"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "lock":
        lock(upgrade="--upgrade" in rest)
        return 0
    _ensure_environment("serve" if command in {"serve", "hashless"} else "dev")
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
    except subprocess.CalledProcessError as exc:
        sys.exit(f"dev.py: {' '.join(map(str, exc.cmd))} failed (exit status {exc.returncode})")
