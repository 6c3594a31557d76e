"""Real processes for the reliability tests: moto_server, a counting proxy, hashless itself.

Each runs outside the code under test, so a test can kill, count and fault what the
service sees exactly as it would see a real Cognito across the network.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REGION = "us-east-1"
KEYS = {"access_key_id": "testing", "secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=1
            )
            connection.request("GET", parts.path or "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{process.args!r} did not answer {url} within {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def moto_server() -> Iterator[str]:
    """``moto_server`` in its own process; yields its endpoint URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(process, url + "/moto-api/", timeout=30)
        yield url
    finally:
        _stop(process)


@dataclass(frozen=True)
class Fault:
    """How the proxy answers an operation instead of Cognito, as real Cognito can.

    ``delay`` first (then forward, or answer the error if ``code`` is set), or
    ``hang``: read the request and never answer, until the fault is cleared. A delay
    beyond the client's read timeout forwards the request after the client gave up.
    """

    code: str = ""
    message: str = ""
    status: int = 400
    delay: float = 0.0
    hang: bool = False

    def body(self) -> bytes:
        return json.dumps({"__type": self.code, "message": self.message}).encode()


class CountingProxy:
    """Forwards Cognito API calls to ``upstream``, counting them per operation and user.

    ``count("AdminCreateUser", "cus_...")`` is how many such requests arrived, whichever
    process sent them and whether or not they were answered: each botocore retry is
    one more. ``inject(operation, fault)`` makes every later call of the operation
    misbehave until ``clear()``.
    """

    def __init__(self, upstream: str) -> None:
        self._upstream = urlsplit(upstream)
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._forwarded: Counter[str] = Counter()
        self._faults: dict[str, Fault] = {}
        self._released = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = proxy._note(self.headers.get("X-Amz-Target", ""), body)
                fault, released = proxy._fault_for(operation)
                if fault is not None and fault.hang:
                    released.wait()
                    self.close_connection = True
                    return
                if fault is not None:
                    time.sleep(fault.delay)
                if fault is not None and fault.code:
                    status, headers = fault.status, [("Content-Type", "application/x-amz-json-1.1")]
                    answer = fault.body()
                else:
                    status, headers, answer = proxy._forward(
                        self.command, self.path, dict(self.headers), body
                    )
                    proxy._landed(operation)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _note(self, target: str, body: bytes) -> str:
        operation = target.rpartition(".")[2]
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        username = payload.get("Username") or payload.get("AuthParameters", {}).get("USERNAME")
        with self._lock:
            self._counts[(operation, username or "")] += 1
        return operation

    def _fault_for(self, operation: str) -> tuple[Fault | None, threading.Event]:
        with self._lock:
            return self._faults.get(operation), self._released

    def _forward(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(
            self._upstream.hostname or "127.0.0.1", self._upstream.port, timeout=30
        )
        try:
            connection.request(method, path, body, dict(headers))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _landed(self, operation: str) -> None:
        with self._lock:
            self._forwarded[operation] += 1

    def forwarded(self, operation: str) -> int:
        """Calls of ``operation`` that reached Cognito, also after their sender gave up:
        a ``Fault(delay=...)`` forwards late, as Cognito applies a request it holds."""
        with self._lock:
            return self._forwarded[operation]

    def count(self, operation: str, username: str) -> int:
        with self._lock:
            return self._counts[(operation, username)]

    def total(self, operation: str) -> int:
        """Calls of ``operation`` for any user."""
        with self._lock:
            return sum(n for (op, _), n in self._counts.items() if op == operation)

    def inject(self, operation: str, fault: Fault) -> None:
        with self._lock:
            self._faults[operation] = fault

    def clear(self) -> None:
        """Every operation is forwarded again; hanging requests are dropped."""
        with self._lock:
            self._faults.clear()
            self._released.set()
            self._released = threading.Event()

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.clear()
        self._server.shutdown()
        self._server.server_close()


class ServedHashless:
    """``hashless serve --workers N`` as its own process, on a free port.

    It runs in ``cwd`` so no ``.env`` of the checkout leaks into it; ``env`` is
    everything it is configured with.
    """

    def __init__(self, env: Mapping[str, str], *, workers: int, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._command = [
            sys.executable,
            "-c",
            "from hashless.cli.main import main; main()",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "HASHLESS_"))
        }
        self._env = {**inherited, **env}
        self._cwd = cwd
        self.workers = workers
        self._process: subprocess.Popen[bytes] | None = None
        self._errors = cwd / "serve.stderr"
        self._workers: list[int] = []

    def __enter__(self) -> ServedHashless:
        with self._errors.open("wb") as errors:
            self._process = subprocess.Popen(
                self._command, env=self._env, cwd=self._cwd, stdout=errors, stderr=errors
            )
        try:
            _wait_until_answering(self._process, self.url + "/health", timeout=60)
            deadline = time.monotonic() + 30
            while len(self.worker_pids()) < self.workers:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"fewer than {self.workers} workers listen")
                time.sleep(0.05)
            self._workers = self.worker_pids()
        except RuntimeError:
            _stop(self._process)
            raise RuntimeError(self._errors.read_text(errors="replace")) from None
        return self

    def __exit__(self, *_: object) -> None:
        assert self._process is not None
        _stop(self._process)

    def worker_pids(self) -> list[int]:
        """The server's children that listen on its port: its worker processes."""
        assert self._process is not None
        pid = self._process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        table = _tcp_table()
        return [
            int(child)
            for child in children
            if any(
                local[1] == self.port and state == _LISTEN
                for local, _, state in _sockets_of(int(child), table)
            )
        ]

    def worker_of(self, connection: http.client.HTTPConnection) -> int | None:
        """The worker process that accepted ``connection`` (Linux /proc)."""
        assert connection.sock is not None
        client = connection.sock.getsockname()[:2]
        table = _tcp_table()
        for pid in self._workers:
            if any(
                local[1] == self.port and remote == client
                for local, remote, _ in _sockets_of(pid, table)
            ):
                return pid
        return None

    def connect(self, source_ip: str = "127.0.0.1") -> http.client.HTTPConnection:
        """A keep-alive connection, accepted by a worker by the time this returns."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(source_ip, 0)
        )
        connection.request("GET", "/health")
        connection.getresponse().read()
        return connection

    def spread_connections(
        self, per_worker: int, source_ip: str = "127.0.0.1"
    ) -> list[http.client.HTTPConnection]:
        """``per_worker`` open connections held by each worker process.

        Which worker accepts a connection is the kernel's choice, so connections are
        opened until every worker holds its share; the surplus is closed again.
        """
        held: dict[int, list[http.client.HTTPConnection]] = {pid: [] for pid in self._workers}
        for _ in range(per_worker * len(held) * 20):
            if all(len(mine) >= per_worker for mine in held.values()):
                return [connection for mine in held.values() for connection in mine]
            connection = self.connect(source_ip)
            mine = held.get(self.worker_of(connection) or 0)
            if mine is not None and len(mine) < per_worker:
                mine.append(connection)
            else:
                connection.close()
        raise RuntimeError(f"the kernel kept connections from some worker: {held}")


def _socket_inodes(pid: int) -> set[str]:
    """The socket inodes ``pid`` holds; none if it has ended meanwhile (a short-lived
    child of the server, listed a moment earlier, holds no listening socket)."""
    inodes: set[str] = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return inodes
    for fd in descriptors:
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return inodes


def _address(hex_address: str) -> tuple[str, int]:
    host, port = hex_address.split(":")
    return socket.inet_ntoa(bytes.fromhex(host)[::-1]), int(port, 16)


_Socket = tuple[tuple[str, int], tuple[str, int], str]
_LISTEN = "0A"


def _tcp_table() -> dict[str, _Socket]:
    """Every IPv4 TCP socket of this host by inode: (local, remote address, state)."""
    table = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        table[fields[9]] = (_address(fields[1]), _address(fields[2]), fields[3])
    return table


def _sockets_of(pid: int, table: dict[str, _Socket]) -> list[_Socket]:
    return [table[inode] for inode in _socket_inodes(pid) if inode in table]
