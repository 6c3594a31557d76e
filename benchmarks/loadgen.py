"""A small HTTP/1.1 load generator: keep-alive connections, pre-built requests, asyncio.

Written for this harness rather than taken from httpx or aiohttp so that the client's
own CPU cost, which shares these two cores with the service, stays small.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["DROPPED", "Outcome", "alternating", "closed_loop", "open_loop", "request_bytes"]

DROPPED = 0
"""The status ``open_loop`` records for a connection closed without an answer."""


def request_bytes(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "host: bench", f"content-length: {len(body)}"]
    if body:
        lines.append("content-type: application/json")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Outcome:
    """Per-request results of one run."""

    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    retry_after: list[bool] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, status: int, latency: float, has_retry_after: bool) -> None:
        self.statuses.append(status)
        self.latencies.append(latency)
        self.retry_after.append(has_retry_after)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        return status, headers, body

    def close(self) -> None:
        self.writer.close()


async def closed_loop(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    *,
    concurrency: int,
    count: int,
) -> Outcome:
    """``count`` requests over ``concurrency`` connections, each sending its next request
    as soon as the previous answer arrived. ``make_request(i)`` builds request ``i``."""
    outcome = Outcome()
    connections = [await _Connection.open(host, port) for _ in range(concurrency)]
    next_index = 0

    async def worker(connection: _Connection) -> None:
        nonlocal next_index
        while next_index < count:
            index = next_index
            next_index += 1
            request = make_request(index)
            started = time.perf_counter()
            status, headers, _ = await connection.exchange(request)
            outcome.add(status, time.perf_counter() - started, "retry-after" in headers)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    outcome.elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return outcome


async def alternating(
    targets: list[tuple[str, int, Callable[[int], bytes]]], rounds: int
) -> list[Outcome]:
    """One request at a time to each target in turn, ``rounds`` times (``make_request(i)``
    builds a target's request of round ``i``): one outcome per target. Side by side,
    each request of one target has its neighbours in the other's, so a drift of the
    machine over the run (another process waking, a busier minute) lands on both alike
    instead of on whichever ran in that minute."""
    connections = [await _Connection.open(host, port) for host, port, _ in targets]
    outcomes = [Outcome() for _ in targets]
    turns = list(zip((make for _, _, make in targets), connections, outcomes, strict=True))
    started = time.perf_counter()
    for index in range(rounds):
        for make_request, connection, outcome in turns:
            request = make_request(index)
            sent = time.perf_counter()
            status, headers, _ = await connection.exchange(request)
            outcome.add(status, time.perf_counter() - sent, "retry-after" in headers)
    elapsed = time.perf_counter() - started
    for connection, outcome in zip(connections, outcomes, strict=True):
        connection.close()
        outcome.elapsed = elapsed
    return outcomes


_KEEP_ALIVE = 4.0
"""Seconds a connection may sit idle and be used again: uvicorn closes it after 5."""


async def open_loop(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    *,
    rate: float,
    duration: float,
    max_connections: int = 512,
) -> Outcome:
    """Requests sent at a fixed ``rate`` for ``duration`` seconds whatever the answers
    take (an offered load, as a flash sale offers it), over reused connections."""
    outcome = Outcome()
    idle: list[tuple[_Connection, float]] = []
    limit = asyncio.Semaphore(max_connections)

    async def connection_for_next() -> _Connection:
        while idle:
            connection, last_used = idle.pop()
            if time.perf_counter() - last_used < _KEEP_ALIVE:
                return connection
            connection.close()
        return await _Connection.open(host, port)

    async def one(index: int) -> None:
        async with limit:
            connection = await connection_for_next()
            started = time.perf_counter()
            try:
                status, headers, _ = await connection.exchange(make_request(index))
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed the connection without a (whole) answer: status 0.
                outcome.add(DROPPED, time.perf_counter() - started, False)
                connection.close()
                return
            outcome.add(status, time.perf_counter() - started, "retry-after" in headers)
            idle.append((connection, time.perf_counter()))

    tasks = []
    total = int(rate * duration)
    started = time.perf_counter()
    for index in range(total):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    outcome.elapsed = time.perf_counter() - started
    for connection, _ in idle:
        connection.close()
    return outcome
