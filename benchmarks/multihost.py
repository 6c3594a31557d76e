"""Two hosts, one PostgreSQL, one Redis, one Cognito quota: the figures of issue #13.

Two ``hashless serve --workers 2`` process groups listen on two loopback addresses
(127.0.0.2 and 127.0.0.3, as two machines behind a load balancer would), share a fresh
PostgreSQL database and a private Redis (``HASHLESS_QUOTA_REDIS_URL``), and call the
Cognito stand-in, which throttles ``AdminInitiateAuth`` beyond 120/s. A load generator
that behaves like a load balancer (round robin; a host that refuses connections is
taken out, as a health check would) offers migrated customers' logins at a fixed rate.
Half-way, one host is killed (SIGKILL to its whole process group). Then:

- successful logins/s over the run, calls the stand-in throttled, refusals' status and
  ``Retry-After``;
- requests the killed host never answered (in flight when it died);
- the surviving host's successful logins/s after the kill;
- both hosts' metrics summed (the survivor scraped, the dead host's multiprocess files
  read from its disk) against the stand-in's and the client's own counts;
- session rows in PostgreSQL against the logins answered 200, and sessions opened on
  the killed host still valid on the survivor.

    .venv/bin/python benchmarks/multihost.py              # 300/s for 30 s
    .venv/bin/python benchmarks/multihost.py --seconds 12
    .venv/bin/python benchmarks/multihost.py --buckets    # what one take of a token costs
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    RedisServer,
    Service,
    StandIn,
    cpu_seconds,
    seed_customers,
    service_environment,
)
from loadgen import request_bytes

from hashless.credentials import redis_quota
from hashless.credentials.shaping import QuotaCategory, SharedTokenBuckets
from hashless.storage import Database

__all__ = ["HOSTS", "run_two_hosts"]

HOSTS = ("127.0.0.2", "127.0.0.3")
PASSWORD = "multihost-password-1"
ADMIN_TOKEN = "bench-admin-token-0123456789"
CUSTOMERS = 2000
_KEEP_ALIVE = 4.0


def _free_port(hosts: tuple[str, ...]) -> int:
    """A port free on every one of ``hosts``."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind((hosts[0], 0))
            port = int(sock.getsockname()[1])
        try:
            for host in hosts[1:]:
                with socket.socket() as other:
                    other.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on every host")


def _email(i: int) -> str:
    return f"m{i}@multihost.example"


def _login(i: int) -> bytes:
    body = json.dumps({"email": _email(i % CUSTOMERS), "password": PASSWORD}).encode()
    return request_bytes("POST", "/store/auth", body)


@dataclass
class _Answer:
    host: int
    status: int
    """0: no answer (the connection died with the request in it)."""
    retry_after: bool
    at: float
    """When the answer came, and below when the request went out (seconds into the run)."""
    sent: float


@dataclass
class _Balancer:
    """Round robin over the live hosts, keep-alive connections, a host that refuses a
    connection taken out for good (the load balancer's health check, at once)."""

    hosts: list[tuple[str, int]]
    live: list[bool] = field(default_factory=list)
    idle: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]]] = field(
        default_factory=dict
    )
    turn: int = 0

    def __post_init__(self) -> None:
        self.live = [True] * len(self.hosts)
        self.idle = {i: [] for i in range(len(self.hosts))}

    def _next_host(self) -> int:
        for _ in range(len(self.hosts)):
            self.turn = (self.turn + 1) % len(self.hosts)
            if self.live[self.turn]:
                return self.turn
        raise RuntimeError("no host is live")

    async def _connection(
        self, index: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        while self.idle[index]:
            reader, writer, last = self.idle[index].pop()
            if time.perf_counter() - last < _KEEP_ALIVE and not writer.is_closing():
                return reader, writer
            writer.close()
        try:
            return await asyncio.open_connection(*self.hosts[index])
        except OSError:
            self.live[index] = False
            return None

    async def send(self, request: bytes, started: float) -> _Answer:
        while True:
            index = self._next_host()
            connection = await self._connection(index)
            if connection is not None:
                break
        reader, writer = connection
        sent = time.perf_counter() - started
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                n.strip().lower(): v.strip() for n, _, v in (x.partition(":") for x in lines[1:])
            }
            await reader.readexactly(int(headers.get("content-length", 0)))
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            self.live[index] = False  # a passive health check: the host dropped a request
            return _Answer(index, 0, False, time.perf_counter() - started, sent)
        self.idle[index].append((reader, writer, time.perf_counter()))
        status = int(lines[0].split(" ", 2)[1])
        answered = time.perf_counter() - started
        return _Answer(index, status, "retry-after" in headers, answered, sent)


async def _offer(
    balancer: _Balancer, rate: float, seconds: float, kill_at: float, kill: Any
) -> tuple[list[_Answer], float, float, float]:
    """Logins at ``rate`` for ``seconds``; ``kill()`` runs ``kill_at`` seconds in.
    Returns the answers, the seconds it took to send them all and to hear the last
    answer, and when the kill happened."""
    answers: list[_Answer] = []
    limit = asyncio.Semaphore(512)
    started = time.perf_counter()
    killed_at = -1.0

    async def one(index: int) -> None:
        async with limit:
            answers.append(await balancer.send(_login(index), started))

    tasks = []
    for index in range(int(rate * seconds)):
        due = started + index / rate
        if killed_at < 0 and due - started >= kill_at:
            kill()
            killed_at = time.perf_counter() - started
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index)))
    offered_for = time.perf_counter() - started
    await asyncio.gather(*tasks)
    return answers, offered_for, time.perf_counter() - started, killed_at


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def _scrape(host: str, port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/metrics", headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return _samples(text)


def _from_disk(folder: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What a dead host's workers had counted, from the files they left."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
    values = {}
    for family in registry.collect():
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def _logins(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], outcome: str) -> float:
    return metrics.get(("hashless_logins_total", (("outcome", outcome),)), 0.0)


def _session_cookies(host: str, port: int, count: int) -> list[str]:
    cookies = []
    for i in range(count):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        body = json.dumps({"email": _email(CUSTOMERS - 1 - i), "password": PASSWORD})
        connection.request("POST", "/store/auth", body, {"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        cookies.append(response.getheader("set-cookie", "").split(";", 1)[0])
        connection.close()
    return cookies


def _signed_in(host: str, port: int, cookie: str) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/store/auth", headers={"cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status == 200


def _group_cpu(service: Service) -> float:
    """CPU seconds of ``hashless serve`` and its workers so far."""
    pid = service.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return cpu_seconds(pid) + sum(cpu_seconds(int(child)) for child in children)


def _fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"hashless_multihost_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(admin_url: str, name: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def run_two_hosts(
    workdir: Path,
    postgres_admin_url: str,
    redis_url: str,
    *,
    rate: float = 300.0,
    seconds: float = 30.0,
    quota: float = 120.0,
    kill_at: float = 0.5,
) -> dict[str, Any]:
    """One run on a database of its own (dropped after) and the Redis at ``redis_url``
    (under a key of its own, deleted after); every figure measured, nothing asserted."""
    name, database_url = _fresh_database(postgres_admin_url)
    quota_key = f"hashless-multihost:{name}"
    standin = StandIn()
    services: list[Service] = []
    try:
        db = Database.connect(database_url)
        seed_customers(db, [(f"cus_mh{i}", _email(i)) for i in range(CUSTOMERS)])
        standin.add_users({f"cus_mh{i}": PASSWORD for i in range(CUSTOMERS)})
        standin.configure(latency_ms=50, quotas={"UserAuthentication": quota})
        port = _free_port(HOSTS)
        for host in HOSTS:
            folder = workdir / host
            (folder / "tmp").mkdir(parents=True)
            env = service_environment(
                standin,
                database_url,
                HASHLESS_QUOTA_REDIS_URL=redis_url,
                HASHLESS_QUOTA_REDIS_KEY=quota_key,
                HASHLESS_COGNITO_RATE_AUTH=str(quota),
                # Each "host" its own fallback file and temp folder, as on its own machine.
                HASHLESS_COGNITO_RATE_FILE=str(folder / "quota.bin"),
                HASHLESS_CONCURRENCY="8",
                TMPDIR=str(folder / "tmp"),
            )
            services.append(Service(env, port, folder, host=host, workers=2))
        cookies = _session_cookies(HOSTS[1], port, 5)
        balancer = _Balancer([(host, port) for host in HOSTS])
        cpu_before = [_group_cpu(service) for service in services]
        cpu_of_killed: list[float] = []

        def kill() -> None:
            cpu_of_killed.append(_group_cpu(services[1]) - cpu_before[1])
            services[1].kill()

        answers, offered_for, elapsed, killed_at = asyncio.run(
            _offer(balancer, rate, seconds, seconds * kill_at, kill)
        )
        hosts_cpu = _group_cpu(services[0]) - cpu_before[0] + cpu_of_killed[0]
        stats = standin.stats()
        survivor = _scrape(HOSTS[0], port)
        (dead_folder,) = (workdir / HOSTS[1] / "tmp").glob("hashless-metrics-*")
        dead = _from_disk(dead_folder)
        still_signed_in = sum(_signed_in(HOSTS[0], port, cookie) for cookie in cookies)
        with db.engine.connect() as connection:
            sessions = connection.exec_driver_sql(
                "SELECT count(*) FROM customer_session"
            ).scalar_one()
        db.engine.dispose()
    finally:
        for service in services:
            if service.process.poll() is None:
                service.stop()
        standin.stop()
        _drop_database(postgres_admin_url, name)
        client = redis_quota.connect(redis_url, timeout=5)
        leftovers = client.keys(f"{{{quota_key}}}:*")
        if leftovers:
            client.delete(*leftovers)
        client.close()

    fallbacks = sum(
        log.read_text(errors="replace").count("quota: Redis out of reach")
        for log in workdir.glob("*/serve-*.log")
    )
    statuses = Counter(a.status for a in answers)
    by_host = Counter((HOSTS[a.host], a.status) for a in answers)
    lost_at = sorted(round(a.at, 2) for a in answers if a.status == 0)
    after_kill = [a for a in answers if a.at >= killed_at + 1.0]
    window = elapsed - (killed_at + 1.0)
    calls = stats["calls"].get("AdminInitiateAuth", 0)
    throttled = stats["throttled"].get("AdminInitiateAuth", 0)
    metric_succeeded = _logins(survivor, "succeeded") + _logins(dead, "succeeded")
    metric_unavailable = _logins(survivor, "unavailable") + _logins(dead, "unavailable")
    return {
        "offered": len(answers),
        "offered_per_second": round(rate, 1),
        "seconds": round(elapsed, 2),
        # Requests wait for one of 512 connections: what went out on time, not just planned.
        "sent_per_second": round(sum(1 for a in answers if a.sent <= seconds) / seconds, 1),
        "planned_per_second": round(len(answers) / offered_for, 1),
        "statuses": dict(statuses),
        "successful_per_second": round(statuses[200] / elapsed, 1),
        "refused": statuses[503],
        "refused_with_retry_after": sum(1 for a in answers if a.status == 503 and a.retry_after),
        "other_errors": sum(n for s, n in statuses.items() if s not in (200, 503, 0)),
        "unanswered": statuses[0],
        "by_host": {f"{h} {s}": n for (h, s), n in sorted(by_host.items())},
        "unanswered_at": lost_at[:3] + lost_at[-3:],
        "killed_at_seconds": round(killed_at, 2),
        "survivor_successful_per_second_after_kill": round(
            sum(1 for a in after_kill if a.status == 200) / window, 1
        ),
        "hosts_cpu_seconds": round(hosts_cpu, 1),
        "hosts_cpu_ms_per_answer": round(1000 * hosts_cpu / max(1, len(answers)), 2),
        "hosts_share_of_the_machine": round(hosts_cpu / elapsed / (os.cpu_count() or 1), 2),
        "redis_fallbacks_logged": fallbacks,
        "standin_calls": calls,
        "standin_throttled": throttled,
        "standin_throttled_share": round(throttled / max(1, calls), 4),
        "metrics_logins_succeeded": int(metric_succeeded),
        "metrics_logins_unavailable": int(metric_unavailable),
        "metrics_checks": int(
            sum(
                value
                for (metric, labels), value in (*survivor.items(), *dead.items())
                if metric == "hashless_cognito_call_seconds_count"
                and ("operation", "check") in labels
            )
        ),
        # The 5 logins that made the cookies are in the stand-in's and the metrics' counts
        # but not in the load generator's: the client's own count adds them.
        "client_succeeded": statuses[200] + len(cookies),
        "standin_succeeded": calls - throttled,
        "sessions_in_database": int(sessions),
        "killed_hosts_sessions_valid_on_survivor": f"{still_signed_in} of {len(cookies)}",
    }


def bucket_costs(redis_url: str, folder: Path, calls: int = 2000) -> dict[str, Any]:
    """What one take of a token costs the calling worker: the file bucket against one
    Redis script (median of 5 rounds of ``calls``; wall and this process's CPU, µs)."""
    auth = QuotaCategory.AUTHENTICATION
    file_buckets = SharedTokenBuckets(folder / "costs.bin", {auth: 1e9})
    shared = redis_quota.RedisTokenBuckets(
        redis_quota.connect(redis_url),
        "hashless-costs",
        "costs",
        {auth: 1e9},
        lambda _: file_buckets,
    )
    costs: dict[str, Any] = {}
    for name, buckets in (("file", file_buckets), ("redis", shared)):
        rounds = []
        for _ in range(5):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                buckets.reserve(auth, 0.1)
            rounds.append((time.perf_counter() - wall, time.process_time() - cpu))
        costs[f"{name}_wall_us"] = round(statistics.median(w for w, _ in rounds) / calls * 1e6, 1)
        costs[f"{name}_cpu_us"] = round(statistics.median(c for _, c in rounds) / calls * 1e6, 1)
    shared.close()
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--buckets", action="store_true", help="only the cost of one take")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[:3]
    redis = RedisServer(_free_port(("127.0.0.1",)))
    try:
        with tempfile.TemporaryDirectory(prefix="hashless-multihost-") as work:
            if args.buckets:
                print(json.dumps(bucket_costs(redis.url, Path(work))))
                return 0
            figures = run_two_hosts(
                Path(work), args.postgres, redis.url, rate=args.rate, seconds=args.seconds
            )
    finally:
        redis.stop()
    figures["load_average_before_after"] = [load, Path("/proc/loadavg").read_text().split()[:3]]
    print(json.dumps(figures, indent=2))
    f = figures
    lost = f["unanswered"]
    for measure, value, holds in (
        (
            f"successful logins/s, {f['sent_per_second']}/s sent for {args.seconds:g} s",
            f["successful_per_second"],
            f["successful_per_second"] >= 114,
        ),
        (
            "calls the stand-in throttled",
            f["standin_throttled_share"],
            f["standin_throttled_share"] < 0.01,
        ),
        (
            "refusals with Retry-After / refusals / other errors",
            f"{f['refused_with_retry_after']} / {f['refused']} / {f['other_errors']}",
            f["refused_with_retry_after"] == f["refused"] and f["other_errors"] == 0,
        ),
        (
            "survivor's successful logins/s after the kill",
            f["survivor_successful_per_second_after_kill"],
            f["survivor_successful_per_second_after_kill"] >= 108,
        ),
        (
            f"sessions in PostgreSQL vs logins answered 200 (+ {lost} unanswered)",
            f"{f['sessions_in_database']} vs {f['client_succeeded']}",
            0 <= f["sessions_in_database"] - f["client_succeeded"] <= lost,
        ),
        (
            "metrics' successful logins vs the stand-in's successful checks",
            f"{f['metrics_logins_succeeded']} vs {f['standin_succeeded']}",
            abs(f["metrics_logins_succeeded"] - f["standin_succeeded"]) <= lost,
        ),
    ):
        print(f"{'yes' if holds else 'NO '}  {measure}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
