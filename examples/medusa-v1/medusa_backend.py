"""A real Medusa v1.20.11 backend on this machine: install, database, migrate, start, seed.

Used by ``run.py`` (the example, one command) and by ``tests/medusa_v1`` (the suite
against the real server). The npm install is cached under ``.cache/medusa-v1/<hash>``
at the repository root, keyed by this folder's ``package.json``, ``package-lock.json``
and ``medusa-config.js``: the first run downloads (~1-2 minutes), later runs reuse it.
That folder is the Medusa project directory: ``medusa`` reads ``medusa-config.js`` from
where it runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

__all__ = [
    "EXAMPLE_DIR",
    "MedusaError",
    "MedusaServer",
    "Seeded",
    "create_database",
    "drop_database",
    "free_port",
    "http_status",
    "install",
    "migrate",
    "register_through_medusa",
    "running_medusa",
    "running_process",
    "seed",
    "wait_until",
]

EXAMPLE_DIR = Path(__file__).resolve().parent
ROOT = EXAMPLE_DIR.parent.parent
CACHE = ROOT / ".cache" / "medusa-v1"
_INPUTS = (
    "package.json",
    "package-lock.json",
    "medusa-config.js",
    "subscribers/customer-created.js",
)
"""Copied into the project directory; subscribers go to ``dist/subscribers``, where
Medusa loads a project's own."""
_STAMP = ".hashless-installed"
INSTALL_WAIT = 600.0
"""npm ci of ~660 packages: about a minute on a good line, several on a busy machine."""
START_WAIT = 90.0
"""Medusa answers /health 4-5 s after start on a quiet machine; far longer under load."""


class MedusaError(RuntimeError):
    """Something about the Medusa backend did not work; the message says what."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _digest() -> str:
    digest = hashlib.sha256()
    for name in _INPUTS:
        digest.update(name.encode() + b"\0" + (EXAMPLE_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def install(npm: str | None = None) -> Path:
    """The Medusa project directory with its node_modules, installed once per input hash.

    Concurrent callers (two test runs) wait on one lock file; a half-finished install
    has no stamp and is started over.
    """
    npm = npm or shutil.which("npm")
    if npm is None:
        raise MedusaError("npm is not installed: Medusa v1 needs Node.js 18+ and npm")
    project = CACHE / _digest()
    stamp = project / _STAMP
    if stamp.is_file():
        return project
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file():
            return project
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        for name in _INPUTS:
            target = project / ("dist/" + name if name.startswith("subscribers/") else name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(EXAMPLE_DIR / name, target)
        try:
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=INSTALL_WAIT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise MedusaError(
                f"npm ci took over {INSTALL_WAIT:.0f} s in {project} (is the registry reachable?)"
            ) from None
        if result.returncode != 0:
            raise MedusaError(f"npm ci failed in {project}:\n{result.stdout}\n{result.stderr}")
        stamp.write_text(_digest())
    return project


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the PostgreSQL at ``server_url``; its URL."""
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a name we made, not input
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, jwt_secret: str, cookie_secret: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("HASHLESS_", "COGNITO_", "NODE_"))
    }
    env.update(
        DATABASE_URL=database_url,
        JWT_SECRET=jwt_secret,
        COOKIE_SECRET=cookie_secret,
        MEDUSA_DISABLE_TELEMETRY="true",
        NODE_ENV="development",
    )
    return env


def _cli(project: Path) -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise MedusaError("node is not installed: Medusa v1 needs Node.js 18+")
    return [node, str(project / "node_modules/@medusajs/medusa-cli/cli.js")]


def migrate(project: Path, database_url: str) -> None:
    """``medusa migrations run``: Medusa's 75 migrations on an empty database."""
    result = subprocess.run(
        [*_cli(project), "migrations", "run"],
        cwd=project,
        env=_env(database_url, "unused", "unused"),
        capture_output=True,
        text=True,
        timeout=START_WAIT * 2,
        check=False,
    )
    if result.returncode != 0:
        raise MedusaError(f"medusa migrations run failed:\n{result.stdout}\n{result.stderr}")


@dataclass
class MedusaServer:
    url: str
    jwt_secret: str
    cookie_secret: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path
    project: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def create_admin(self, email: str, password: str) -> None:
        """``medusa user``: an admin for the seed's admin API calls."""
        result = subprocess.run(
            [*_cli(self.project), "user", "-e", email, "-p", password],
            cwd=self.project,
            env=_env(self.database_url, self.jwt_secret, self.cookie_secret),
            capture_output=True,
            text=True,
            timeout=START_WAIT,
            check=False,
        )
        if result.returncode != 0:
            raise MedusaError(f"medusa user failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def running_medusa(
    project: Path,
    database_url: str,
    *,
    port: int | None = None,
    log: Path,
    jwt_secret: str | None = None,
) -> Iterator[MedusaServer]:
    """``medusa start`` on ``port`` (a free one by default), stopped on the way out."""
    port = port or free_port()
    jwt_secret = jwt_secret or secrets.token_hex(32)
    cookie_secret = secrets.token_hex(32)
    env = _env(database_url, jwt_secret, cookie_secret)
    command = [*_cli(project), "start", "-H", "127.0.0.1", "-p", str(port)]
    with running_process(command, env, log, cwd=project) as process:
        server = MedusaServer(
            f"http://127.0.0.1:{port}",
            jwt_secret,
            cookie_secret,
            database_url,
            process,
            log,
            project,
        )
        wait_until(
            lambda: http_status(f"{server.url}/health") == 200, process, "Medusa's /health", log
        )
        yield server


@contextmanager
def running_process(
    command: list[str], env: Mapping[str, str], log: Path, *, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` with its output in ``log``; stopped (terminate, then kill) on the way out."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path
) -> None:
    """Poll ``ready`` until true; ``MedusaError`` with the log's tail if ``process`` dies
    or ``START_WAIT`` passes first."""
    deadline = time.monotonic() + START_WAIT
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            state = f"exited ({process.returncode})" if process.poll() is not None else "timed out"
            raise MedusaError(f"no {what}: {state}\n{tail}")
        time.sleep(0.25)


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def call(
    base_url: str,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One JSON call to Medusa; a non-2xx answer raises ``MedusaError`` with its body."""
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        raise MedusaError(f"{method} {path} -> {exc.code}: {detail}") from None
    answer: dict[str, Any] = json.loads(raw) if raw else {}
    return answer


@dataclass(frozen=True)
class Seeded:
    """What a checkout needs: a region with the manual providers, a product, a shipping option."""

    region_id: str
    country_code: str
    variant_id: str
    shipping_option_id: str


def seed(server: MedusaServer) -> Seeded:
    """A region (USD, the United States, manual payment and fulfillment), a published
    product with one variant priced there, and a flat-rate manual shipping option, made
    through the admin API."""
    # Never a leading "-": ``medusa user -p <password>`` would read it as options (and
    # make an admin with some other password), one seed in 64 with token_urlsafe alone.
    email, password = "admin@example.com", "pw" + secrets.token_urlsafe(16)
    server.create_admin(email, password)
    token = _admin_token(server, email, password)
    admin = {"authorization": f"Bearer {token['access_token']}"}
    region = call(
        server.url,
        "POST",
        "/admin/regions",
        {
            "name": "United States",
            "currency_code": "usd",
            "tax_rate": 0,
            "payment_providers": ["manual"],
            "fulfillment_providers": ["manual"],
            "countries": ["us"],
        },
        headers=admin,
    )["region"]
    product = call(
        server.url,
        "POST",
        "/admin/products",
        {
            "title": "hashless T-shirt",
            "status": "published",
            "options": [{"title": "Size"}],
            "variants": [
                {
                    "title": "One size",
                    "prices": [{"amount": 1500, "region_id": region["id"]}],
                    "options": [{"value": "One size"}],
                    "manage_inventory": False,
                }
            ],
        },
        headers=admin,
    )["product"]
    option = call(
        server.url,
        "POST",
        "/admin/shipping-options",
        {
            "name": "Standard",
            "region_id": region["id"],
            "provider_id": "manual",
            "data": {},
            "price_type": "flat_rate",
            "amount": 500,
        },
        headers=admin,
    )["shipping_option"]
    return Seeded(region["id"], "us", product["variants"][0]["id"], option["id"])


def _admin_token(server: MedusaServer, email: str, password: str) -> dict[str, Any]:
    """A token for the admin ``medusa user`` made; a few tries, as the user's row can
    reach the server's connection a moment after the CLI exits on a busy machine."""
    for attempt in range(10):
        try:
            return call(
                server.url, "POST", "/admin/auth/token", {"email": email, "password": password}
            )
        except MedusaError:
            if attempt == 9:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def register_through_medusa(server: MedusaServer, email: str, password: str) -> str:
    """A customer as Medusa itself makes one (a scrypt hash in ``password_hash``); its id."""
    customer = call(
        server.url,
        "POST",
        "/store/customers",
        {"email": email, "password": password, "first_name": "Legacy", "last_name": "Customer"},
    )["customer"]
    customer_id: str = customer["id"]
    return customer_id
