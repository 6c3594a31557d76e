"""The real ``@medusajs/medusa-js`` v6 client against ``hashless serve``, end to end.

``tests/js/medusa_flow.mjs`` drives the client in two phases: ``register`` (create,
log in, read, update, log out, request a reset token) and ``reset`` (reset the
password with the token, log in with the new password, not with the old one). Between
the phases this file fetches the reset token the way an operator's mailer would get it:
from the demo's log, or from the webhook hashless POSTs to. The session cookie is
passed by the script itself: medusa-js keeps no cookies outside a browser, so it reads
``set-cookie`` from each result and sends ``Cookie`` through the client's per-request
``customHeaders`` argument.

Needs node and npm (skipped without them, failed under CI=true). ``npm ci`` runs only
when ``tests/js/node_modules`` does not match ``package-lock.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

# The Medusa v1 example's process helpers (ports, environment, status probes) serve here too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "medusa-v1"))

from medusa_backend import free_port, http_status
from stack import clean_env

pytestmark = pytest.mark.node

JS_DIR = Path(__file__).parent / "js"
FLOW = JS_DIR / "medusa_flow.mjs"
BIN = Path(sys.executable).parent
HASHLESS = BIN / "hashless"
MOTO_SERVER = BIN / "moto_server"
IN_CI = os.environ.get("CI", "").lower() == "true"

WAIT = 30.0
"""Upper bound for every wait: a server coming up, a token arriving, a node phase."""

NPM_CI_WAIT = 180.0
"""Only the first run (or a changed lock file) downloads; later runs reuse node_modules."""

COOKIE_NAME = "hashless_sid"  # HASHLESS_COOKIE_SECURE=false; else __Host-hashless_sid
DEMO_PASSWORD = "demo-password"
LEGACY_EMAIL = "legacy-v1@example.com"
_NPM_STAMP = "node_modules/.hashless-npm-ci.sha256"
_DEMO_RESET = re.compile(
    r"DEMO ONLY password reset token for (?P<email>\S+): (?P<token>\S+) \(expires "
)


# --- node and its dependencies -------------------------------------------------------


def _inputs_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json", ".npmrc"):
        digest.update(name.encode() + b"\0" + (JS_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, with tests/js/node_modules installed from package-lock.json."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "node and npm are needed for the medusa-js end-to-end test"
        if IN_CI:
            pytest.fail(message + " (CI=true requires them)")
        pytest.skip(message)
    stamp = JS_DIR / _NPM_STAMP
    digest = _inputs_digest()
    installed = (JS_DIR / "node_modules/@medusajs/medusa-js/package.json").is_file()
    if not installed or not stamp.is_file() or stamp.read_text() != digest:
        try:
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_CI_WAIT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm ci in {JS_DIR} took over {NPM_CI_WAIT:.0f} s (registry reachable?)")
        if result.returncode != 0:
            pytest.fail(f"npm ci failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        stamp.write_text(digest)
    return node


# --- processes --------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def diagnostics(self, tail: int = 60) -> str:
        parts = [f"--- {self.name} (exit code {self.proc.poll()})"]
        for path in (self.stdout, self.stderr):
            lines = path.read_text(errors="replace").splitlines()[-tail:]
            parts.append(f"--- {path}\n" + "\n".join(lines))
        return "\n".join(parts)

    def wait_for(self, what: str, found: Callable[[], Any], timeout: float = WAIT) -> Any:
        """Poll ``found`` until it returns something truthy; fail if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited while waiting for {what}\n{self.diagnostics()}")
            time.sleep(0.1)
        pytest.fail(f"no {what} after {timeout:.0f} s\n{self.diagnostics()}")


@contextmanager
def running(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Iterator[Process]:
    """Start ``command`` with its output in files under ``workdir``; always stopped."""
    stdout, stderr = workdir / f"{name}.stdout.log", workdir / f"{name}.stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen(
            command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        try:
            yield Process(name, proc, stdout, stderr)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextmanager
def start_hashless(env: dict[str, str], workdir: Path) -> Iterator[tuple[Process, str]]:
    port = free_port()
    command = [str(HASHLESS), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running("hashless", command, env, workdir) as server:
        base_url = f"http://127.0.0.1:{port}"
        server.wait_for("200 from /health", lambda: http_status(f"{base_url}/health") == 200)
        yield server, base_url


# --- the node flow -----------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    email: str
    password: str
    new_password: str

    @classmethod
    def fresh(cls) -> Customer:
        return cls(
            email=f"medusa-js-{uuid.uuid4().hex[:12]}@example.com",
            password=f"first-{secrets.token_urlsafe(9)}",
            new_password=f"second-{secrets.token_urlsafe(9)}",
        )


def run_flow(
    node: str,
    phase: str,
    base_url: str,
    customer: Customer,
    server: Process,
    workdir: Path,
    **params: str,
) -> dict[str, Any]:
    """Run one phase of medusa_flow.mjs; fail with its message and the server's log."""
    env = clean_env(
        HASHLESS_BASE_URL=base_url,
        FLOW_EMAIL=customer.email,
        FLOW_PASSWORD=customer.password,
        FLOW_NEW_PASSWORD=customer.new_password,
        FLOW_COOKIE_NAME=COOKIE_NAME,
        **{f"FLOW_{key.upper()}": value for key, value in params.items()},
    )
    try:
        result = subprocess.run(
            [node, str(FLOW), phase],
            cwd=JS_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"medusa_flow {phase} ran over {WAIT:.0f} s: {exc}\n{server.diagnostics()}")
    (workdir / f"node-{phase}.stdout.log").write_text(result.stdout)
    (workdir / f"node-{phase}.stderr.log").write_text(result.stderr)
    lines = result.stdout.strip().splitlines()
    try:
        report: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        report = {"ok": False}
    if result.returncode != 0 or not report.get("ok"):
        pytest.fail(
            f"medusa_flow {phase} failed (exit {result.returncode}):\n"
            f"{result.stderr.strip()}\nstdout: {result.stdout.strip()}\n{server.diagnostics()}"
        )
    return report


def check_reports(register: dict[str, Any], reset: dict[str, Any]) -> None:
    assert register["customer_id"].startswith("cus_")
    assert reset["customer_id"] == register["customer_id"]
    assert "auth.deleteSession" in register["steps"]
    assert "auth.authenticate old password -> 401" in reset["steps"]


# --- scenarios ---------------------------------------------------------------------------


def test_medusa_js_against_the_demo(node: str, tmp_path: Path) -> None:
    """medusa-js works unchanged against `hashless serve` with no pool configured.

    Registration, login through the cookie passed back via customHeaders, profile read
    and update, logout (the session is gone: 401), a reset token from the demo's log that
    resets the password once and ends open sessions, login with the new password but not
    the old one; and the seeded Medusa v1 customer logs in with its legacy password and
    is counted under ``cognito`` by the admin stats afterwards.
    """
    customer = Customer.fresh()
    with start_hashless(clean_env(), tmp_path) as (server, base_url):
        banner = server.wait_for(
            "admin token in the banner",
            lambda: re.search(r"Admin token: (\S+)", server.stdout.read_text(errors="replace")),
        )
        admin_token = banner.group(1)

        register = run_flow(node, "register", base_url, customer, server, tmp_path)

        def reset_token() -> str | None:
            for match in _DEMO_RESET.finditer(server.output()):
                if match["email"].lower() == customer.email:
                    return match["token"]
            return None

        token = server.wait_for("reset token in the demo log", reset_token)
        reset = run_flow(
            node,
            "reset",
            base_url,
            customer,
            server,
            tmp_path,
            reset_token=token,
            kept_cookie=register["kept_cookie"],
            admin_token=admin_token,
            legacy_email=LEGACY_EMAIL,
            legacy_password=DEMO_PASSWORD,
        )

    check_reports(register, reset)
    assert reset["stats_after_legacy_login"]["cognito"] == (
        reset["stats_before_legacy_login"]["cognito"] + 1
    )
    # The registered customer and legacy-v1 live in Cognito; legacy-v2 is still legacy.
    assert reset["stats"]["cognito"] == 2
    assert reset["stats"]["legacy"] == 1


@dataclass
class Webhook:
    url: str
    events: queue.Queue[dict[str, Any]]

    def event_for(self, email: str, server: Process) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=min(left, 0.5))
            except queue.Empty:
                if server.proc.poll() is not None:
                    break
                continue
            if event.get("email", "").lower() == email:
                return event
        pytest.fail(f"no reset webhook for {email} within {WAIT:.0f} s\n{server.diagnostics()}")


@contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    """A local receiver for HASHLESS_RESET_WEBHOOK_URL that queues each JSON body."""
    events: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            try:
                events.put(json.loads(body))
            except json.JSONDecodeError:
                events.put({"unparsable": body.decode(errors="replace")})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Webhook(f"http://127.0.0.1:{httpd.server_address[1]}/hooks/reset", events)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with webhook_receiver() as receiver:
        yield receiver


def test_medusa_js_against_a_configured_pool(node: str, webhook: Webhook, tmp_path: Path) -> None:
    """medusa-js works against a pool made by `hashless provision`, with the reset webhook.

    A separate moto server stands in for Cognito; `hashless provision` creates the pool
    and client, `hashless serve` runs on a SQLite file with those settings, the same
    client flow passes, the reset token arrives as the documented
    ``customer.password_reset`` webhook event, and the admin stats count the one new
    customer under ``cognito``.
    """
    customer = Customer.fresh()
    moto_port = free_port()
    moto_command = [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(moto_port)]
    with running("moto", moto_command, clean_env(), tmp_path) as moto:
        endpoint = f"http://127.0.0.1:{moto_port}"
        moto.wait_for("moto answering", lambda: http_status(endpoint) is not None)
        aws = {
            "COGNITO_ENDPOINT_URL": endpoint,
            "COGNITO_REGION": "us-east-1",
            "COGNITO_ACCESS_KEY_ID": "testing",
            "COGNITO_SECRET_ACCESS_KEY": "testing",
        }
        provisioned = subprocess.run(
            [str(HASHLESS), "provision"],
            cwd=tmp_path,
            env=clean_env(**aws),
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )
        assert provisioned.returncode == 0, (
            f"hashless provision failed ({provisioned.returncode}):\n"
            f"{provisioned.stdout}\n{provisioned.stderr}"
        )
        settings = dict(
            line.split("=", 1)
            for line in provisioned.stdout.splitlines()
            if re.match(r"^COGNITO_[A-Z_]+=", line)
        )
        assert {"COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"} <= settings.keys(), provisioned.stdout
        admin_token = secrets.token_hex(24)
        env = clean_env(
            **{**aws, **settings},
            HASHLESS_DATABASE_URL=f"sqlite:///{tmp_path / 'hashless.db'}",
            HASHLESS_ADMIN_TOKEN=admin_token,
            HASHLESS_COOKIE_SECURE="false",
            HASHLESS_RESET_WEBHOOK_URL=webhook.url,
        )
        with start_hashless(env, tmp_path) as (server, base_url):
            register = run_flow(node, "register", base_url, customer, server, tmp_path)
            event = webhook.event_for(customer.email, server)
            assert set(event) == {"event", "customer_id", "email", "token", "expires_at"}
            assert event["event"] == "customer.password_reset"
            assert event["customer_id"] == register["customer_id"]
            expires_in = datetime.fromisoformat(event["expires_at"]) - datetime.now(UTC)
            assert timedelta(minutes=14) < expires_in <= timedelta(minutes=15), event
            reset = run_flow(
                node,
                "reset",
                base_url,
                customer,
                server,
                tmp_path,
                reset_token=event["token"],
                kept_cookie=register["kept_cookie"],
                admin_token=admin_token,
            )
            assert webhook.events.empty(), "a reset for an unknown email reached the webhook"

    check_reports(register, reset)
    assert reset["stats"] == {
        "total": 1,
        "legacy": 0,
        "cognito": 1,
        "none": 0,
        "blocked": 0,
        "weak": 0,
    }
