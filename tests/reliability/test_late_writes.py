"""A password write Cognito applies after its sender gave up never beats a later one.

A proxy in front of moto holds ``AdminSetUserPassword`` well beyond the client's read
timeout and then forwards it, as Cognito may apply a request whose answer was lost. A
first login's write of the old password is held so; a reset follows at once. Without
the engine's fence (rule 6) the reset answered 200 and the late write then put the
old password back in Cognito. With it, the reset answers 503 until the fence has
passed, and its password is the one Cognito keeps. Once in one process on SQLite, once
across the two worker processes of ``hashless serve --workers 2`` on PostgreSQL.
The timeouts are scaled down from production's (5 s read timeout, 60 s window) by ten.
Last, the worker sending the old password is SIGKILLed while the proxy holds it: the
claim it committed before sending is the fence then.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import ProvisionedPool
from hashless.demo.run import DEMO_PASSWORD
from hashless.errors import InvalidCredentials
from hashless.storage import Database
from tests.reliability.servers import KEYS, CountingProxy, Fault, ServedHashless
from tests.reliability.test_cognito_faults import _context, legacy, serve
from tests.reliability.test_workers import add_legacy

READ_TIMEOUT = 0.5
HOLD = 1.2
"""How late the proxy forwards a held write: beyond the read timeout, inside the window."""
WINDOW = 3.0
NEW_PASSWORD = "the reset password"
Send = Callable[[str, dict[str, str]], tuple[int, dict[str, str]]]


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the held write never reached Cognito"
        time.sleep(0.05)


def old_write_then_reset(
    proxy: CountingProxy,
    cognito: CognitoCredentialStore,
    customer_id: str,
    email: str,
    token: str,
    first_login: Callable[[dict[str, str]], None],
    send: Send,
    longest_fence: float = WINDOW,
) -> None:
    """The race of the issue, then what Cognito holds: ``first_login`` sends the old
    password, whose write the proxy holds, and sees it fail; ``send`` the rest."""
    landed = proxy.forwarded("AdminSetUserPassword")
    proxy.inject("AdminSetUserPassword", Fault(delay=HOLD))
    first_login({"email": email, "password": DEMO_PASSWORD})
    proxy.clear()
    body = {"email": email, "token": token, "password": NEW_PASSWORD}
    status, headers = send("/store/customers/password-reset", body)
    assert status == 503, "a reset was sent while the old password was still in flight"
    assert 1 <= int(headers["retry-after"]) <= longest_fence + 1
    _wait_for(lambda: proxy.forwarded("AdminSetUserPassword") > landed)
    # The late write has landed: Cognito holds the old password, the row says legacy.
    cognito.check(customer_id, DEMO_PASSWORD)
    deadline = time.monotonic() + longest_fence + 30
    while (status := send("/store/customers/password-reset", body)[0]) == 503:
        assert time.monotonic() < deadline, "the fence never passed"
        time.sleep(0.2)
    assert status == 200
    cognito.check(customer_id, NEW_PASSWORD)
    with pytest.raises(InvalidCredentials):
        cognito.check(customer_id, DEMO_PASSWORD)
    assert send("/store/auth", {"email": email, "password": NEW_PASSWORD})[0] == 200
    assert send("/store/auth", {"email": email, "password": DEMO_PASSWORD})[0] == 401


def answers_503(login: Send) -> Callable[[dict[str, str]], None]:
    """A first login whose write timed out: 503."""

    def first_login(body: dict[str, str]) -> None:
        assert login("/store/auth", body)[0] == 503

    return first_login


def test_a_late_old_write_never_beats_a_reset_in_one_process(
    proxy: CountingProxy,
    pool: ProvisionedPool,
    cognito: CognitoCredentialStore,
    tmp_path: Path,
) -> None:
    """One process on SQLite: the held old password lands first, the reset's last."""
    with serve(proxy.url, pool, tmp_path, READ_TIMEOUT, write_window=WINDOW) as client:
        customer = legacy(client)
        token, _ = _context(client).db.reset_tokens.issue(customer.id)

        def send(path: str, body: dict[str, str]) -> tuple[int, dict[str, str]]:
            response = client.post(path, json=body)
            return response.status_code, dict(response.headers)

        old_write_then_reset(
            proxy, cognito, customer.id, customer.email, token, answers_503(send), send
        )


def _sender(connection: http.client.HTTPConnection) -> Send:
    def send(path: str, body: dict[str, str]) -> tuple[int, dict[str, str]]:
        connection.request("POST", path, json.dumps(body), {"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}

    return send


def workers_env(
    pool: ProvisionedPool,
    proxy: CountingProxy,
    database: str,
    tmp_path: Path,
    read_timeout: float,
    connect_timeout: float = 2.0,
) -> dict[str, str]:
    """``serve --workers 2``'s settings: Cognito behind ``proxy``, PostgreSQL ``database``."""
    return {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": proxy.url,
        "COGNITO_ACCESS_KEY_ID": KEYS["access_key_id"],
        "COGNITO_SECRET_ACCESS_KEY": KEYS["secret_access_key"],
        "HASHLESS_DATABASE_URL": database,
        "HASHLESS_CONCURRENCY": "4",
        "HASHLESS_COOKIE_SECURE": "false",
        "HASHLESS_LOGIN_FAILURE_FLOOR_MS": "0",
        "HASHLESS_COGNITO_CONNECT_TIMEOUT_MS": str(round(connect_timeout * 1000)),
        "HASHLESS_COGNITO_READ_TIMEOUT_MS": str(round(read_timeout * 1000)),
        "HASHLESS_COGNITO_WRITE_WINDOW_SECONDS": str(WINDOW),
        "HASHLESS_COGNITO_RATE_FILE": str(tmp_path / "quota.bin"),
    }


@dataclass
class OnTwoWorkers:
    """A new legacy customer and a reset token, one connection held by each worker."""

    served: ServedHashless
    customer_id: str
    email: str
    token: str
    login_on: http.client.HTTPConnection
    reset_on: http.client.HTTPConnection


@contextmanager
def on_two_workers(env: dict[str, str], database: str, tmp_path: Path) -> Iterator[OnTwoWorkers]:
    """``serve --workers 2`` with ``env``, over PostgreSQL ``database``."""
    with ServedHashless(env, workers=2, cwd=tmp_path) as served:
        db = Database.connect(database, pool_size=2, apply_migrations=False)
        email = f"late-{uuid.uuid4().hex[:10]}@example.com"
        customer_id = add_legacy(db, email)
        token, _ = db.reset_tokens.issue(customer_id)
        login_on, reset_on = served.spread_connections(per_worker=1)
        try:
            assert served.worker_of(login_on) != served.worker_of(reset_on)
            yield OnTwoWorkers(served, customer_id, email, token, login_on, reset_on)
        finally:
            login_on.close()
            reset_on.close()
            db.engine.dispose()


two_workers = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="tells the workers apart through Linux's /proc"
)


@pytest.mark.postgres
@two_workers
def test_a_late_old_write_never_beats_a_reset_on_another_worker(
    proxy: CountingProxy,
    pool: ProvisionedPool,
    cognito: CognitoCredentialStore,
    workers_database: str,
    tmp_path: Path,
) -> None:
    """``serve --workers 2`` on PostgreSQL: the login on one worker, the reset on the other."""
    env = workers_env(pool, proxy, workers_database, tmp_path, READ_TIMEOUT)
    with on_two_workers(env, workers_database, tmp_path) as run:
        old_write_then_reset(
            proxy,
            cognito,
            run.customer_id,
            run.email,
            run.token,
            answers_503(_sender(run.login_on)),
            _sender(run.reset_on),
        )


KILLED_READ_TIMEOUT = 10.0
"""Long enough that the worker is still waiting for its write when it is killed (a
worker that timed out would fence by the failure, which is not what is tested)."""
KILLED_CONNECT_TIMEOUT = 0.2
KILLED_CLAIM = 5 + 3 * KILLED_CONNECT_TIMEOUT + KILLED_READ_TIMEOUT + 1 + WINDOW + 1
"""The claim's length (engine rule 6): 5 s, the longest send, the window, a second."""


@pytest.mark.postgres
@two_workers
def test_a_killed_workers_late_write_never_beats_a_reset(
    proxy: CountingProxy,
    pool: ProvisionedPool,
    cognito: CognitoCredentialStore,
    workers_database: str,
    tmp_path: Path,
) -> None:
    """``serve --workers 2`` on PostgreSQL: the worker sending a first login's write is
    SIGKILLed while the proxy holds the write, which Cognito then applies late. The claim
    it committed before sending fences the customer: a reset on the other worker answers
    503 until the claim has passed, then 200, and Cognito keeps the new password only."""
    env = workers_env(
        pool, proxy, workers_database, tmp_path, KILLED_READ_TIMEOUT, KILLED_CONNECT_TIMEOUT
    )
    with on_two_workers(env, workers_database, tmp_path) as run:
        victim = run.served.worker_of(run.login_on)
        assert victim is not None

        def killed_mid_write(body: dict[str, str]) -> None:
            arrived = proxy.total("AdminSetUserPassword")
            outcome: list[object] = []
            login = threading.Thread(target=_answer_or_error, args=(run.login_on, body, outcome))
            login.start()
            _wait_for(lambda: proxy.total("AdminSetUserPassword") > arrived)
            os.kill(victim, signal.SIGKILL)
            login.join()
            assert isinstance(outcome[0], http.client.HTTPException | OSError), outcome

        old_write_then_reset(
            proxy,
            cognito,
            run.customer_id,
            run.email,
            run.token,
            killed_mid_write,
            _sender(run.reset_on),
            longest_fence=KILLED_CLAIM,
        )


def _answer_or_error(
    connection: http.client.HTTPConnection, body: dict[str, str], outcome: list[object]
) -> None:
    """Send a login; its answer, or the error of a connection that died unanswered."""
    try:
        outcome.append(_sender(connection)("/store/auth", body))
    except (http.client.HTTPException, OSError) as exc:
        outcome.append(exc)
