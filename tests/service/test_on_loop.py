"""Password logins on the event loop: waits awaited, heavy work and Cognito off the loop."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.errors import CredentialStoreUnavailable
from hashless.service.on_loop import LOOP_AWARE, CognitoLoopTransport, on_loop

POOL_ID = "us-east-1_Loop"


async def _ticks_during(work: asyncio.Future[object]) -> int:
    """How often another task got the loop while ``work`` ran."""
    ticks = 0
    while not work.done():
        await asyncio.sleep(0.005)
        ticks += 1
    await work
    return ticks


def test_a_pause_on_the_loop_lets_other_tasks_run() -> None:
    """A login's pause (a claim settling, a retry) must not stall the process's loop."""

    async def main() -> int:
        return await _ticks_during(asyncio.ensure_future(on_loop(lambda: LOOP_AWARE.pause(0.2))))

    assert asyncio.run(main()) >= 10


def test_offloaded_work_runs_in_a_worker_thread_only_from_the_loop() -> None:
    """A legacy hash is verified off the loop's thread; in a worker thread, where it is."""
    here = threading.get_ident()

    async def main() -> tuple[int, int]:
        on = await on_loop(lambda: (threading.get_ident(), LOOP_AWARE.offload(threading.get_ident)))
        return on

    loop_thread, worker = asyncio.run(main())
    assert loop_thread == here and worker != here
    assert LOOP_AWARE.offload(threading.get_ident) == here


class _Cognito(BaseHTTPRequestHandler):
    """Answers ``AdminInitiateAuth`` once two requests are in at the same time."""

    together = threading.Barrier(2, timeout=2)
    seen: list[dict[str, str]] = []  # noqa: RUF012
    delay = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        type(self).seen.append(dict(self.headers))
        if self.delay:
            threading.Event().wait(self.delay)
        try:
            type(self).together.wait()
            status, body = 200, {"AuthenticationResult": {"AccessToken": "t", "ExpiresIn": 60}}
        except threading.BrokenBarrierError:
            status, body = 500, {"__type": "InternalErrorException", "message": "alone"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/x-amz-json-1.1")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, *_: object) -> None:
        """The client that timed out has gone: nothing to report."""


@pytest.fixture
def cognito() -> Iterator[str]:
    _Cognito.together = threading.Barrier(2, timeout=2)
    _Cognito.seen = []
    _Cognito.delay = 0.0
    server = _Server(("127.0.0.1", 0), _Cognito)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Closing:
    """Both clients' loop transports, closed on the loop that used them."""

    def __init__(self, transports: list[CognitoLoopTransport]) -> None:
        self.transports = transports

    async def aclose(self) -> None:
        for transport in self.transports:
            await transport.aclose()


def _store(endpoint: str, *, read_timeout: float = 5.0) -> tuple[CognitoCredentialStore, _Closing]:
    clients = [
        make_cognito_client(
            region="us-east-1",
            endpoint_url=endpoint,
            access_key_id="AKIDLOOP",
            secret_access_key="loop-secret",
            read_timeout=read_timeout,
            max_attempts=1,
        )
        for _ in range(2)
    ]
    transports = [CognitoLoopTransport.install(client) for client in clients]
    store = CognitoCredentialStore(
        clients[0], user_pool_id=POOL_ID, client_id="loopclient", auth_client=clients[1]
    )
    return store, _Closing(transports)


def _on_loop_once(work: Callable[[], object], transports: _Closing) -> None:
    async def main() -> None:
        try:
            await on_loop(work)
        finally:
            await transports.aclose()

    asyncio.run(main())


def test_cognito_checks_on_the_loop_wait_side_by_side(cognito: str) -> None:
    """Two logins on one loop have their Cognito requests out at once, signed as botocore
    signs them: a check that blocked the loop would leave the other unsent."""
    store, transport = _store(cognito)

    async def main() -> None:
        try:
            await asyncio.gather(
                on_loop(lambda: store.check("cus_1", "a good password 1")),
                on_loop(lambda: store.check("cus_2", "a good password 2")),
            )
        finally:
            await transport.aclose()

    asyncio.run(main())
    assert len(_Cognito.seen) == 2
    for headers in _Cognito.seen:
        assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDLOOP/")
        assert headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.AdminInitiateAuth"


def test_outside_the_loop_the_same_client_sends_through_botocore(cognito: str) -> None:
    """Worker threads and the CLI keep botocore's own session (urllib3)."""
    store, _ = _store(cognito)
    _Cognito.together = threading.Barrier(1)
    store.check("cus_1", "a good password 1")
    assert "Botocore" in _Cognito.seen[0]["User-Agent"]


def test_a_read_timeout_on_the_loop_is_an_outage_that_may_have_landed(cognito: str) -> None:
    """aiohttp's timeout becomes botocore's, which the adapter judges: 503, maybe applied."""
    store, transport = _store(cognito, read_timeout=0.2)
    _Cognito.together = threading.Barrier(1)
    _Cognito.delay = 1.0

    with pytest.raises(CredentialStoreUnavailable) as raised:
        _on_loop_once(lambda: store.check("cus_1", "a good password 1"), transport)
    assert raised.value.maybe_applied
    assert "ReadTimeoutError" in str(raised.value)
    assert "a good password" not in str(raised.value)


def test_a_refused_connection_on_the_loop_surely_never_arrived() -> None:
    """Nothing listening: botocore's connection error, so the write may be resent."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store, transport = _store(f"http://127.0.0.1:{port}")

    with pytest.raises(CredentialStoreUnavailable) as raised:
        _on_loop_once(lambda: store.set_password("cus_1", "a good password 1"), transport)
    assert not raised.value.maybe_applied
    assert "EndpointConnectionError" in str(raised.value)
