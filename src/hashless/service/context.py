"""Everything a request handler needs, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from hashless.credentials.shaping import QuotaShapedStore
from hashless.legacy import VerifierRegistry, default_registry
from hashless.migration import MigrationEngine
from hashless.platforms.host import Host
from hashless.platforms.standalone import STANDALONE_HOST
from hashless.service.browser import OriginAllowlist
from hashless.service.guard import LoginGuard
from hashless.service.metrics import ServiceMetrics
from hashless.service.on_loop import LoopLogins, on_loop
from hashless.service.reset_delivery import ResetDelivery
from hashless.service.timing import FailureFloor
from hashless.storage import Database

__all__ = ["ServiceContext"]


@dataclass
class ServiceContext:
    engine: MigrationEngine
    db: Database
    reset_delivery: ResetDelivery
    admin_token: str | None = None
    allow_email_lookup: bool = False
    cookie_secure: bool = True
    reauth_window: timedelta = timedelta(minutes=5)
    concurrency: int = 64
    failure_floor_seconds: float = 0.3
    """The least time a failed login takes to answer; raised to the slowest path seen."""
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    verifiers: VerifierRegistry = field(default_factory=default_registry)
    """The legacy formats the engine knows; the dashboard judges hash strength with them."""
    store_cors: OriginAllowlist = field(default_factory=OriginAllowlist)
    """Origins other than this host's whose pages may use the store API with cookies."""
    quota: QuotaShapedStore | None = None
    """The shaper inside the engine's store, if any: logins pay for their Cognito call
    before any other work, so the excess is refused before it queues."""
    host: Host = STANDALONE_HOST
    """The platform served (standalone, medusa-v1...), as the wiring picked it."""

    loop_logins: LoopLogins | None = None
    """If set, password logins (``logins.sign_in``) run on the event loop over its
    engine and database; everything else in worker threads over ``engine`` and ``db``."""

    def __post_init__(self) -> None:
        guard = partial(
            LoginGuard,
            floor=FailureFloor(self.failure_floor_seconds),
            quota=self.quota,
            on_refused=lambda: self.metrics.observe_call("check", 0.0, "throttled"),
        )
        self.guard = guard(self.engine, self.db)
        """Throttling, verification and audit for the routes in worker threads."""
        self.logins = self.guard
        """Password logins: ``guard`` itself, or its twin on the loop (same failure
        floor, same view of the outage mark)."""
        if self.loop_logins is not None:
            self.logins = guard(
                self.loop_logins.engine,
                self.loop_logins.db,
                run=on_loop,
                outage=self.guard.outage,
            )
        self.reset_floor = FailureFloor(0.05)

    @property
    def cookie_name(self) -> str:
        # The __Host- prefix pins the cookie to this host and path; browsers accept it
        # only with Secure, so plain-HTTP development uses the bare name.
        return "__Host-hashless_sid" if self.cookie_secure else "hashless_sid"

    @property
    def admin_cookie_name(self) -> str:
        return "__Host-hashless_admin" if self.cookie_secure else "hashless_admin"

    @property
    def device_cookie_name(self) -> str:
        return "__Host-hashless_device" if self.cookie_secure else "hashless_device"
