"""Prometheus metrics, and the Cognito health figures the admin dashboard shows.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``hashless serve --workers N`` sets it for its
workers), every worker writes its counters, histogram and gauges to files there and a
scrape of any worker reports the sum over the host's workers, gone ones included
(counters never go back). The gauges read from the database at scrape time (customers
by state, blocked, sessions active) are global whichever process answers. The
dashboard's recent-call figures stay those of the worker that serves the page.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hashless.credentials.protocol import CredentialStore
from hashless.errors import (
    CredentialStoreMisconfigured,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
)
from hashless.migration import MigrationEvent
from hashless.storage import Database

__all__ = [
    "RECENT_CALLS",
    "LoginMetricsMiddleware",
    "MeteredCredentialStore",
    "OperationHealth",
    "ServiceMetrics",
]

log = logging.getLogger("hashless.metrics")

T = TypeVar("T")

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RECENT_CALLS = 2000
"""Cognito calls the dashboard summarises: enough for stable percentiles, small to keep."""

_LOGIN_PATHS = frozenset({"/store/auth", "/store/auth/token"})
_LOGIN_OUTCOMES = {
    200: "succeeded",
    401: "failed",
    429: "limited",
    503: "unavailable",
    400: "invalid",
}


@dataclass(frozen=True)
class _Call:
    at: float
    operation: str
    seconds: float
    outcome: str
    """``ok``, ``throttled``, ``unavailable`` or ``misconfigured``."""


@dataclass(frozen=True)
class OperationHealth:
    """Recent Cognito calls of one operation, as the dashboard shows them."""

    operation: str
    calls: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    throttled: int
    unavailable: int
    misconfigured: int


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


class ServiceMetrics:
    """One process's metrics, in a registry of its own (so each app, and test, has one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.logins = Counter(
            "hashless_logins",
            "Password logins (POST /store/auth and /store/auth/token) by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.migrations = Counter(
            "hashless_migrations",
            "Legacy customers moved to Cognito (succeeded) or refused by the pool (blocked)",
            ["outcome"],
            registry=self.registry,
        )
        self.cognito_latency = Histogram(
            "hashless_cognito_call_seconds",
            "Time of each credential-store call, retries included, by operation",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cognito_throttles = Counter(
            "hashless_cognito_throttles",
            "Credential-store calls refused for exceeding Cognito's request quota",
            ["operation"],
            registry=self.registry,
        )
        self.cognito_errors = Counter(
            "hashless_cognito_errors",
            "Credential-store calls that failed: unavailable, throttled or misconfigured",
            ["operation", "kind"],
            registry=self.registry,
        )
        # The most any live worker reports: one worker on its fallback share is the news.
        self.quota_fallback = Gauge(
            "hashless_quota_fallback",
            "1 if a worker holds Cognito calls to its host's share because Redis is out of reach",
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.quota_hosts = Gauge(
            "hashless_quota_hosts",
            "Hosts that drew from the Redis-shared Cognito budget in the last minute (0: no Redis)",
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self._recent: deque[_Call] = deque(maxlen=RECENT_CALLS)
        self._lock = threading.Lock()

    def observe_call(self, operation: str, seconds: float, outcome: str) -> None:
        self.cognito_latency.labels(operation).observe(seconds)
        if outcome != "ok":
            self.cognito_errors.labels(operation, outcome).inc()
        if outcome == "throttled":
            self.cognito_throttles.labels(operation).inc()
        with self._lock:
            self._recent.append(_Call(time.time(), operation, seconds, outcome))

    def observe_quota_backend(self, shared: bool, hosts: int) -> None:
        self.quota_fallback.set(0 if shared else 1)
        self.quota_hosts.set(hosts)

    def observe_migration(self, event: MigrationEvent) -> None:
        self.migrations.labels(event.name.removeprefix("migration.")).inc()

    def cognito_health(self) -> list[OperationHealth]:
        """Latency percentiles and failures over the recent calls, by operation."""
        with self._lock:
            calls = list(self._recent)
        by_operation: dict[str, list[_Call]] = {}
        for call in calls:
            by_operation.setdefault(call.operation, []).append(call)
        health = []
        for operation, group in sorted(by_operation.items()):
            seconds = sorted(c.seconds for c in group)
            outcomes = [c.outcome for c in group]
            health.append(
                OperationHealth(
                    operation=operation,
                    calls=len(group),
                    p50_ms=1000 * _percentile(seconds, 0.5),
                    p95_ms=1000 * _percentile(seconds, 0.95),
                    max_ms=1000 * seconds[-1],
                    throttled=outcomes.count("throttled"),
                    unavailable=outcomes.count("unavailable"),
                    misconfigured=outcomes.count("misconfigured"),
                )
            )
        return health

    def exposition(self, db: Database) -> bytes:
        """The Prometheus text format: the host's workers' metrics (this process's alone
        outside multiprocess mode), then the database's gauges."""
        gauges = CollectorRegistry(auto_describe=False)
        gauges.register(_DatabaseGauges(db))
        folder = _multiprocess_folder()
        if folder is None:
            return generate_latest(self.registry) + generate_latest(gauges)
        _forget_dead_workers(folder)
        workers = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(workers, path=folder)  # type: ignore[no-untyped-call]
        return generate_latest(workers) + generate_latest(gauges)

    def close(self) -> None:
        """This worker is leaving: its live gauges stop counting (its counters stay)."""
        folder = _multiprocess_folder()
        if folder is not None:
            multiprocess.mark_process_dead(os.getpid(), folder)  # type: ignore[no-untyped-call]


def _multiprocess_folder() -> str | None:
    # The variable prometheus-client itself read at import to pick file-backed values.
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _forget_dead_workers(folder: str) -> None:
    """A worker that was killed never said it left: drop its live gauges at the next
    scrape (uvicorn replaces it with a new process, which has a new pid)."""
    for name in os.listdir(folder):
        if not name.startswith("gauge_live") or not name.endswith(".db"):
            continue
        pid = int(name.removesuffix(".db").rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            # Another worker's scrape may be removing the same files.
            with contextlib.suppress(FileNotFoundError):
                multiprocess.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]
        except PermissionError:
            continue


class _DatabaseGauges(Collector):
    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterator[Metric]:
        from hashless.ops.status import active_sessions

        up = GaugeMetricFamily("hashless_database_up", "1 if the database answered this scrape")
        try:
            stats = self._db.customers.credential_stats()
            sessions = active_sessions(self._db)
        except SQLAlchemyError as exc:
            log.warning("metrics: database unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        customers = GaugeMetricFamily(
            "hashless_customers", "Account customers by credential state", labels=["state"]
        )
        for state in ("legacy", "cognito", "none"):
            customers.add_metric([state], getattr(stats, state))
        yield customers
        yield GaugeMetricFamily(
            "hashless_customers_blocked",
            "Legacy customers whose password the pool refused: still on their legacy hash",
            value=stats.blocked,
        )
        yield GaugeMetricFamily(
            "hashless_sessions_active", "Sessions neither expired nor idle", value=sessions
        )


class MeteredCredentialStore:
    """A ``CredentialStore`` that times every call of the store it wraps.

    Wrong passwords and policy refusals are answers, not failures: only unavailable,
    throttled and misconfigured calls count as errors.
    """

    def __init__(self, store: CredentialStore, metrics: ServiceMetrics) -> None:
        self._store = store
        self._metrics = metrics

    def __repr__(self) -> str:
        return f"MeteredCredentialStore({self._store!r})"

    def _timed(self, operation: str, call: Callable[[], T]) -> T:
        outcome = "ok"
        started = time.perf_counter()
        try:
            return call()
        except CredentialStoreThrottled:
            outcome = "throttled"
            raise
        except CredentialStoreUnavailable:
            outcome = "unavailable"
            raise
        except CredentialStoreMisconfigured:
            outcome = "misconfigured"
            raise
        finally:
            self._metrics.observe_call(operation, time.perf_counter() - started, outcome)

    def check(self, username: str, password: str) -> None:
        self._timed("check", lambda: self._store.check(username, password))

    def create(self, username: str, email: str) -> bool:
        return self._timed("create", lambda: self._store.create(username, email))

    def set_password(self, username: str, password: str) -> None:
        self._timed("set_password", lambda: self._store.set_password(username, password))

    def update_email(self, username: str, email: str) -> None:
        self._timed("update_email", lambda: self._store.update_email(username, email))

    def delete(self, username: str) -> None:
        self._timed("delete", lambda: self._store.delete(username))


class LoginMetricsMiddleware:
    """Counts password logins by the status they were answered with."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in _LOGIN_PATHS
        ):
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome = _LOGIN_OUTCOMES.get(message["status"], "error")
                self._metrics.logins.labels(outcome).inc()
            await send(message)

        await self.app(scope, receive, counting_send)
