"""Login attempts as the service sees them: throttled, audited, then the engine."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from hashless.emails import email_key
from hashless.errors import CredentialStoreUnavailable, InvalidCredentials, TooManyAttempts
from hashless.migration import CredentialRecord, MigrationEngine, MigrationEvent
from hashless.service.timing import FailureFloor
from hashless.storage import AuditEntry, Database, ThrottleRule

__all__ = ["ACCOUNT_RULE", "ADDRESS_RULE", "LoginGuard", "RequestOrigin", "migration_auditor"]

ACCOUNT_RULE = ThrottleRule(free=10, ceiling=timedelta(minutes=1))
"""Per email: 10 free failures, then 1 s, 2 s... capped at a minute. A real customer
outlives it; a guesser gets about one try a minute, far below NIST's 100 failures."""

ADDRESS_RULE = ThrottleRule(free=100, ceiling=timedelta(minutes=15))
"""Per client address: room for a shared office NAT, not for a credential-stuffing run."""


@dataclass(frozen=True)
class RequestOrigin:
    """Where a request came from, for the audit trail and address limits."""

    ip: str | None = None
    request_id: str | None = None


class LoginGuard:
    def __init__(self, engine: MigrationEngine, db: Database, floor: FailureFloor) -> None:
        self._engine = engine
        self._db = db
        self.floor = floor

    def login(self, email: str, password: str, origin: RequestOrigin) -> CredentialRecord:
        """Throttle, authenticate, count and audit one password login."""
        return self._attempt(email, origin, lambda: self._engine.login(email, password))

    def verify(self, email: str, customer_id: str, password: str, origin: RequestOrigin) -> None:
        """Proof of the current password for a sensitive change, under the same limits."""
        self._attempt(email, origin, lambda: self._engine.verify(customer_id, password))

    def _attempt(
        self, email: str, origin: RequestOrigin, authenticate: Callable[[], CredentialRecord]
    ) -> CredentialRecord:
        started = time.monotonic()
        account = f"account:{email_key(email)}"
        rules = {account: ACCOUNT_RULE}
        if origin.ip:
            rules[f"ip:{origin.ip}"] = ADDRESS_RULE
        wait = self._db.throttle.wait_for(rules)
        if wait > timedelta(0):
            self.audit("login.limited", "refused", None, origin, detail={"email": email_key(email)})
            raise TooManyAttempts(max(1, round(wait.total_seconds())))
        try:
            record = authenticate()
        except InvalidCredentials:
            self.floor.observe(time.monotonic() - started)
            self._db.throttle.record_failure(rules)
            self.audit("login.failed", "failure", None, origin, detail={"email": email_key(email)})
            raise
        except CredentialStoreUnavailable:
            self.audit("login.unavailable", "error", None, origin)
            raise
        self._db.throttle.forget(account)
        self.audit("login.succeeded", "success", record.customer_id, origin)
        return record

    def audit(
        self,
        event: str,
        outcome: str,
        customer_id: str | None,
        origin: RequestOrigin,
        *,
        actor: str = "customer",
        detail: dict[str, str] | None = None,
    ) -> None:
        self._db.audit.record(
            AuditEntry(
                event=event,
                outcome=outcome,
                customer_id=customer_id,
                actor=actor,
                ip=origin.ip,
                request_id=origin.request_id,
                detail=detail,
            )
        )


def migration_auditor(db: Database) -> Callable[[MigrationEvent], None]:
    """The engine's observer: every migration, and every blocked one, joins the audit trail."""

    def record(event: MigrationEvent) -> None:
        outcome = "success" if event.name == "migration.succeeded" else "blocked"
        db.audit.record(
            AuditEntry(
                event=event.name,
                outcome=outcome,
                customer_id=event.customer_id,
                actor="system",
                detail=event.detail,
            )
        )

    return record
