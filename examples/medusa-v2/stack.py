"""The Medusa v2 example's moving parts: install, database, Cognito, hashless, Medusa.

``run.py`` starts them all for a person; ``tests/medusa_v2`` and the benchmark start
them one by one. Every server takes a free port and dies with the process that
started it; every database gets a unique name and is dropped afterwards.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine, text

__all__ = [
    "PROJECT",
    "ROOT",
    "Server",
    "cognito_settings",
    "create_admin",
    "ensure_installed",
    "free_port",
    "hashless_env",
    "medusa_database",
    "medusa_env",
    "migrate",
    "node_script",
    "seed",
    "start_hashless",
    "start_medusa",
]

PROJECT = Path(__file__).resolve().parent
ROOT = PROJECT.parents[1]
PROVIDER = ROOT / "integrations" / "medusa-v2"
PROVIDER_INSTALLED = PROJECT / "node_modules" / "@hashless" / "medusa-auth-provider"
STAMP = PROJECT / "node_modules" / ".hashless-lock-sha256"
POSTGRES = os.environ.get(
    "HASHLESS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def ensure_installed() -> None:
    """``npm ci`` once per lock file (its hash is kept in ``node_modules``), then the
    provider's current files copied in, as npm's ``install-links`` would."""
    wanted = hashlib.sha256((PROJECT / "package-lock.json").read_bytes()).hexdigest()
    if not (STAMP.exists() and STAMP.read_text() == wanted):
        print("medusa-v2 example: npm ci (about two minutes, once per lock file)", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROJECT, check=True)
        STAMP.write_text(wanted)
    shutil.rmtree(PROVIDER_INSTALLED / "src", ignore_errors=True)
    shutil.copytree(PROVIDER / "src", PROVIDER_INSTALLED / "src")
    shutil.copy2(PROVIDER / "package.json", PROVIDER_INSTALLED / "package.json")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def medusa_database() -> Iterator[str]:
    """A new, empty database (as ``postgres://`` for Medusa), dropped at exit."""
    name = f"hashless_medusa_v2_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name)
    try:
        yield url.set(drivername="postgres").render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def medusa_env(
    database_url: str,
    *,
    hashless_url: str = "",
    provider_token: str = "",
    provider: bool = True,
    outbox: Path | None = None,
    **extra: str,
) -> dict[str, str]:
    """Medusa's environment; ``provider=False`` is the stock store, before hashless."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_hex(24),
        "COOKIE_SECRET": secrets.token_hex(24),
        "MEDUSA_DISABLE_TELEMETRY": "true",
        "HASHLESS_PROVIDER": "on" if provider else "off",
        "HASHLESS_URL": hashless_url,
        "HASHLESS_PROVIDER_TOKEN": provider_token,
        "HASHLESS_EXAMPLE_OUTBOX": str(outbox or ""),
        **extra,
    }
    return env


def _medusa_command(*args: str) -> list[str]:
    return [str(PROJECT / "node_modules" / ".bin" / "medusa"), *args]


def migrate(env: Mapping[str, str]) -> None:
    subprocess.run(
        _medusa_command("db:migrate"),
        cwd=PROJECT,
        env=dict(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def seed(env: Mapping[str, str]) -> dict[str, str]:
    """Runs ``src/scripts/seed.js``: the publishable key, region and variant a checkout uses."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seed.json"
        subprocess.run(
            _medusa_command("exec", "./src/scripts/seed.js"),
            cwd=PROJECT,
            env={**env, "HASHLESS_EXAMPLE_SEED_OUT": str(out)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seeded: dict[str, str] = json.loads(out.read_text())
        return seeded


def create_admin(env: Mapping[str, str], email: str, password: str) -> None:
    """An admin user, made by Medusa's own CLI (its emailpass hash, Medusa's own code)."""
    subprocess.run(
        _medusa_command("user", "-e", email, "-p", password),
        cwd=PROJECT,
        env=dict(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: the server goes when whoever started it goes, even on a crash.
    with suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class Server:
    """A child process serving HTTP on ``port``; ``stop()`` (or its owner's exit) ends it."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    health: str = "/health"
    log: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 120) -> Server:
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT,
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.health} in {timeout:.0f} s")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def start_medusa(env: Mapping[str, str], *, port: int | None = None) -> Server:
    port = port or free_port()
    command = _medusa_command("start", "-p", str(port), "-H", "127.0.0.1")
    return Server("medusa", command, dict(env), port).start()


def cognito_settings(endpoint: str) -> dict[str, str]:
    """A fresh pool on a Cognito emulator at ``endpoint``, as hashless' settings."""
    from hashless.credentials.client import make_cognito_client
    from hashless.credentials.provision import provision_pool
    from hashless.demo.emulator import EMULATOR_CREDENTIALS

    region = "eu-west-1"
    client = make_cognito_client(
        region=region,
        endpoint_url=endpoint,
        access_key_id=EMULATOR_CREDENTIALS.access_key_id,
        secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
    )
    pool = provision_pool(client, pool_name=f"medusa-v2-{uuid.uuid4().hex[:8]}")
    return {
        "COGNITO_REGION": region,
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": endpoint,
        "COGNITO_ACCESS_KEY_ID": EMULATOR_CREDENTIALS.access_key_id,
        "COGNITO_SECRET_ACCESS_KEY": EMULATOR_CREDENTIALS.secret_access_key,
    }


def hashless_env(
    database_url: str, provider_token: str, cognito: Mapping[str, str], **extra: str
) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "HASHLESS_PLATFORM": "medusa-v2",
        "HASHLESS_DATABASE_URL": database_url,
        "HASHLESS_PROVIDER_TOKEN": provider_token,
        **cognito,
        **extra,
    }


def start_hashless(env: Mapping[str, str], *, port: int | None = None) -> Server:
    port = port or free_port()
    executable = Path(sys.executable).parent / "hashless"
    command = [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Server("hashless", command, dict(env), port).start(timeout=60)


def node_script(script: Path, payload: Any, *, timeout: float = 300) -> Any:
    """Run a Node script of the example's with ``payload`` as JSON on stdin; its JSON answer."""
    done = subprocess.run(
        ["node", str(script)],
        cwd=PROJECT,
        env={"PATH": os.environ.get("PATH", ""), "MEDUSA_PROJECT": str(PROJECT)},
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} failed:\n{done.stderr.decode(errors='replace')[-4000:]}")
    return json.loads(done.stdout)
