"""The benchmark harness runs end to end (a smoke test: it measures nothing, asserts no time)."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from harness import Service, StandIn, seed_customers, service_environment  # noqa: E402
from loadgen import alternating, closed_loop, open_loop  # noqa: E402
from run import UNSHAPED, login_body  # noqa: E402

from hashless.storage import Database  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_logins_reach_the_stand_in_through_hashless_serve(tmp_path: Path) -> None:
    """The stand-in answers boto3, `hashless serve` starts on it, the load generator logs
    customers in, and the stand-in's quota answers TooManyRequestsException as a 503."""
    url = f"sqlite:///{tmp_path}/smoke.db"
    db = Database.connect(url)
    seed_customers(db, [(f"cus_s{i}", f"s{i}@bench.example") for i in range(4)])
    db.engine.dispose()
    standin = StandIn()
    try:
        standin.add_users({f"cus_s{i}": "smoke-password" for i in range(4)})
        env = service_environment(
            standin, url, HASHLESS_COGNITO_RATE_FILE=str(tmp_path / "q.bin"), **UNSHAPED
        )
        service = Service(env, _free_port(), tmp_path)
        try:
            bodies = [login_body(f"s{i}@bench.example", "smoke-password") for i in range(4)]
            logins = asyncio.run(
                closed_loop("127.0.0.1", service.port, bodies.__getitem__, concurrency=2, count=4)
            )
            assert logins.statuses == [200] * 4
            assert standin.stats()["calls"]["AdminInitiateAuth"] == 4

            standin.configure(latency_ms=0, quotas={"UserAuthentication": 0.01})
            throttled = asyncio.run(
                open_loop("127.0.0.1", service.port, bodies.__getitem__, rate=20, duration=0.2)
            )
            assert sorted(throttled.statuses) == [200, 503, 503, 503]
            assert throttled.retry_after.count(True) == 3
        finally:
            service.stop()
    finally:
        standin.stop()


def test_alternating_takes_turns_request_by_request() -> None:
    """``alternating`` sends one request at a time to each target in turn, round ``i``'s
    built for ``i``, so the servers' arrivals interleave exactly, and gives each target
    its own outcome."""
    arrivals: list[str] = []

    async def main() -> list[list[int]]:
        async def serve(name: str, status: int) -> asyncio.Server:
            async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                try:
                    while head := await reader.readuntil(b"\r\n\r\n"):
                        arrivals.append(name + head.split()[1].decode())
                        writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
                        await writer.drain()
                except asyncio.IncompleteReadError:  # the client closed its connection
                    writer.close()

            return await asyncio.start_server(answer, "127.0.0.1", 0)

        servers = [await serve("a", 200), await serve("b", 204)]

        def request(index: int) -> bytes:
            return f"GET /{index} HTTP/1.1\r\nhost: x\r\n\r\n".encode()

        targets = [("127.0.0.1", s.sockets[0].getsockname()[1], request) for s in servers]
        outcomes = await alternating(targets, 3)
        for server in servers:
            server.close()
        return [outcome.statuses for outcome in outcomes]

    assert asyncio.run(main()) == [[200, 200, 200], [204, 204, 204]]
    assert arrivals == ["a/0", "b/0", "a/1", "b/1", "a/2", "b/2"]
