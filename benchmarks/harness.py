"""Processes the benchmarks drive: the Cognito stand-in and ``hashless serve``.

Both run as child processes so that their CPU time (read from ``/proc``) and the
service's peak memory can be reported apart from the harness's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.emails import email_key
from hashless.migration.records import CredentialState
from hashless.storage import Database
from hashless.storage.models import Customer

__all__ = [
    "ACCESS_KEY",
    "POOL_ID",
    "REDIS_SERVER",
    "SECRET_KEY",
    "RedisServer",
    "Service",
    "StandIn",
    "cpu_seconds",
    "peak_rss_mib",
    "seed_customers",
    "service_environment",
]

HERE = Path(__file__).resolve().parent
ACCESS_KEY, SECRET_KEY = "AKIABENCHMARK000000", "bench-secret-key"
POOL_ID = "us-east-1_Bench0001"
CLIENT_ID = "benchclient0000000000000000"
_TICKS = os.sysconf("SC_CLK_TCK")
REDIS_SERVER = shutil.which("redis-server")
"""Debian's ``redis-server``, if installed: the benchmarks start a private one."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def peak_rss_mib(pid: int) -> float:
    """The process's resident-set high-water mark (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak_rss(pid: int) -> None:
    """Start a new VmHWM measurement (writing 5 to clear_refs resets it)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _json_request(url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class StandIn:
    """``benchmarks/standin.py`` in a child process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "standin.py"), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError("the stand-in did not start")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def configure(
        self,
        latency_ms: float,
        quotas: dict[str, float] | None = None,
        burst_seconds: float = 1.0,
    ) -> None:
        _json_request(
            f"{self.url}/_control/config",
            {"latency_ms": latency_ms, "quotas": quotas or {}, "burst_seconds": burst_seconds},
        )

    def add_users(self, users: dict[str, str]) -> None:
        _json_request(f"{self.url}/_control/users", {"users": users})

    def credential_store(self) -> CognitoCredentialStore:
        """hashless' store on the stand-in over a real boto3 client: calls timed alone."""
        client = make_cognito_client(
            region="us-east-1",
            endpoint_url=self.url,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
        )
        return CognitoCredentialStore(client, user_pool_id=POOL_ID, client_id=CLIENT_ID)

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = _json_request(f"{self.url}/_control/stats")
        return stats

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def service_environment(standin: StandIn, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COGNITO_", "HASHLESS_", "AWS_"))
    }
    env.update(
        COGNITO_USER_POOL_ID=POOL_ID,
        COGNITO_CLIENT_ID=CLIENT_ID,
        COGNITO_ENDPOINT_URL=standin.url,
        COGNITO_ACCESS_KEY_ID=ACCESS_KEY,
        COGNITO_SECRET_ACCESS_KEY=SECRET_KEY,
        HASHLESS_DATABASE_URL=database_url,
        HASHLESS_COOKIE_SECURE="false",
        HASHLESS_ADMIN_TOKEN="bench-admin-token-0123456789",
        HASHLESS_LOG_FORMAT="text",
    )
    env.update(extra)
    return env


class Service:
    """``hashless serve`` on a configured (non-demo) start, in a child process.

    It leads a process group of its own (its workers with it), so that ``kill`` can
    take a whole "host" down at once, as a machine that loses power would go.
    """

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        workdir: Path,
        *,
        host: str = "127.0.0.1",
        workers: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self.log = (workdir / f"serve-{host}-{port}.log").open("wb")
        hashless = Path(sys.executable).with_name("hashless")
        self.started = time.perf_counter()
        command = [str(hashless), "serve", "--host", host, "--port", str(port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers)] if workers > 1 else command,
            env=env,
            cwd=workdir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.ready_after = self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds from spawn to the first ``GET /health`` answering 200."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hashless serve exited; see {self.log.name}")
            try:
                url = f"http://{self.host}:{self.port}/health"
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.01)
        raise RuntimeError("hashless serve was not ready in time")

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL to the server and its workers: nothing of theirs runs after this."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class RedisServer:
    """A private ``redis-server`` (nothing on disk) on a free port, for one run.

    ``pause`` (SIGSTOP) makes it a Redis that no longer answers, ``resume`` brings it back.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = subprocess.Popen(
            [
                REDIS_SERVER or "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.02)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)


def seed_customers(
    db: Database,
    migrated: Iterable[tuple[str, str]],
    legacy: Iterable[tuple[str, str, str, str]] = (),
) -> None:
    """Insert migrated ``(id, email)`` and legacy ``(id, email, format, hash)`` customers
    in bulk (the repositories insert one at a time, which seeding thousands would feel)."""
    rows: list[dict[str, Any]] = [
        {
            "id": customer_id,
            "email": email,
            "email_key": email_key(email),
            "has_account": True,
            "credential_state": CredentialState.COGNITO.value,
            "credential_blocked": False,
        }
        for customer_id, email in migrated
    ]
    rows += [
        {
            "id": customer_id,
            "email": email,
            "email_key": email_key(email),
            "has_account": True,
            "credential_state": CredentialState.LEGACY.value,
            "legacy_format": legacy_format,
            "legacy_hash": legacy_hash,
            "credential_blocked": False,
        }
        for customer_id, email, legacy_format, legacy_hash in legacy
    ]
    with db.sessions_factory.begin() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Customer), rows[start : start + 5000])
