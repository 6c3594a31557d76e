"""Logins on the event loop: the synchronous login path in a greenlet, its I/O awaited.

A login waits 50 ms or more for Cognito. In a worker thread it holds the thread all
that time, and with dozens in flight the threads' handing the GIL back and forth cost
more CPU per login than Medusa spends on its whole login (README, Medusa v1
benchmarks). Here the same code (guard, engine, repositories) runs in a greenlet on the
loop's own thread (SQLAlchemy's ``greenlet_spawn``): its database is an engine of
SQLAlchemy's psycopg asyncio dialect (``create_database_engine(on_loop=True)``), whose
every round trip is awaited, and Cognito's requests go through ``CognitoLoopTransport``
(aiohttp), so a waiting login holds nothing but its coroutine.

Anything else that would block the loop goes through ``LOOP_AWARE``: pauses are awaited,
legacy hashes verified in a worker thread. Called from a worker thread instead (every
other route, the CLI), each of these does what it always did.

Unlike a thread, a login here can be stopped midway: a cancelled task (a shutdown past
its grace period) raises at the await it waits in. That is a crash at that point, which
the engine's safety argument already covers: nothing commits but a finished block, a
legacy hash goes only with the commit after Cognito accepted the password, and a claim
left behind expires by itself (``hashless.migration.engine``, rules 2 and 6).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import anyio.to_thread
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.utils import get_environ_proxies
from sqlalchemy.util import await_only, greenlet_spawn
from sqlalchemy.util.concurrency import in_greenlet

from hashless.blocking import Blocking
from hashless.migration import MigrationEngine
from hashless.storage import Database

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["LOOP_AWARE", "CognitoLoopTransport", "LoopLogins", "on_loop"]

T = TypeVar("T")


async def on_loop(work: Callable[[], T]) -> T:
    """``work()`` on this thread, its awaited I/O letting the loop serve others."""
    return await greenlet_spawn(work)


class _LoopAware:
    """``Blocking`` for code that may run on the loop (``on_loop``) or in a thread."""

    def pause(self, seconds: float) -> None:
        if in_greenlet():
            await_only(asyncio.sleep(seconds))
        else:
            time.sleep(seconds)

    def offload(self, work: Callable[[], T]) -> T:
        if in_greenlet():
            result: T = await_only(anyio.to_thread.run_sync(work))
            return result
        return work()


LOOP_AWARE: Blocking = _LoopAware()


class _Body:
    """The one read botocore makes of a response (``AWSResponse.content``)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class CognitoLoopTransport:
    """A botocore client's HTTP session that sends through aiohttp when on the loop.

    Installed as the client's ``_endpoint.http_session`` (``install``): botocore names
    no public way to swap its transport, and this keeps everything above it as it is:
    validation, signing, retries, error parsing, and the test seams that answer before
    any send (botocore's ``Stubber``, moto). Outside ``on_loop`` it hands the request
    to botocore's own session. Failures become botocore's own exceptions for the same
    events, which the Cognito adapter already judges (was the request surely never
    sent?): a refused or timed-out connection, a read timeout, a dropped connection.
    """

    def __init__(
        self,
        threaded: Any,
        *,
        endpoint_url: str,
        connect_timeout: float,
        read_timeout: float,
        limit: int,
    ) -> None:
        self._threaded = threaded
        # The environment's proxy for the endpoint, as botocore finds it, read once:
        # aiohttp's trust_env would also read ~/.netrc in a thread at every request.
        self._proxy = get_environ_proxies(endpoint_url).get(urlsplit(endpoint_url).scheme)
        self._timeout = aiohttp.ClientTimeout(sock_connect=connect_timeout, sock_read=read_timeout)
        self._limit = limit
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    @classmethod
    def install(cls, client: CognitoIdentityProviderClient) -> CognitoLoopTransport:
        endpoint: Any = client._endpoint  # type: ignore[attr-defined]
        config: Any = client.meta.config
        transport = cls(
            endpoint.http_session,
            endpoint_url=endpoint.host,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            limit=config.max_pool_connections,
        )
        endpoint.http_session = transport
        return transport

    def send(self, request: AWSPreparedRequest) -> AWSResponse:
        if not in_greenlet():
            response: AWSResponse = self._threaded.send(request)
            return response
        sent: AWSResponse = await_only(self._send(request))
        return sent

    def close(self) -> None:
        self._threaded.close()

    async def aclose(self) -> None:
        """Close this loop's connections (the app's shutdown)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()

    def _session(self) -> aiohttp.ClientSession:
        # One per loop: a session belongs to the loop it was made on (a test client
        # may run several loops, one after the other).
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            for old in [other for other in self._sessions if other.is_closed()]:
                del self._sessions[old]
            session = self._sessions[loop] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                timeout=self._timeout,
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return session

    async def _send(self, request: AWSPreparedRequest) -> AWSResponse:
        url = request.url
        sent = {
            name: value.decode() if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        try:
            async with self._session().request(
                request.method, url, data=request.body, headers=sent, proxy=self._proxy
            ) as answer:
                body = await answer.read()
                headers = HTTPHeaders.from_pairs(list(answer.headers.items()))
                return AWSResponse(url, answer.status, headers, _Body(body))
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectTimeoutError(endpoint_url=url, error=exc) from None
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise ReadTimeoutError(endpoint_url=url, error=exc) from None
        except aiohttp.ClientConnectorError as exc:
            raise EndpointConnectionError(endpoint_url=url, error=exc) from None
        except aiohttp.ClientError as exc:
            raise ConnectionClosedError(endpoint_url=url, error=exc) from None


class LoopLogins:
    """What password logins use on the loop: an engine over a database built for it
    (``Database.connect(on_loop=True)``), and the Cognito transports to close."""

    def __init__(
        self, engine: MigrationEngine, db: Database, transports: tuple[CognitoLoopTransport, ...]
    ) -> None:
        self.engine = engine
        self.db = db
        self._transports = transports

    async def aclose(self) -> None:
        """Close the loop's connections, the database's and Cognito's (app shutdown)."""
        for transport in self._transports:
            await transport.aclose()
        await on_loop(self.db.engine.dispose)
