"""Login attempts as the service sees them: throttled, audited, then the engine."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

import anyio
from sqlalchemy import Connection

from hashless.credentials.cognito import COGNITO_LOCKOUT_FAILURES
from hashless.credentials.shaping import Prepaid, QuotaCategory, QuotaShapedStore
from hashless.emails import email_key
from hashless.errors import (
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    InvalidCredentials,
    TooManyAttempts,
)
from hashless.migration import CredentialRecord, CredentialState, MigrationEngine, MigrationEvent
from hashless.service.timing import FailureFloor
from hashless.storage import (
    AuditEntry,
    AuditLog,
    CustomerRow,
    Database,
    ThrottleRule,
    ThrottleState,
)

__all__ = [
    "ACCOUNT_RULE",
    "ADDRESS_RULE",
    "LoginGuard",
    "NewSession",
    "RequestOrigin",
    "SignedIn",
    "audit_migrations",
    "migration_auditor",
]

ACCOUNT_RULE = ThrottleRule(free=COGNITO_LOCKOUT_FAILURES - 2, ceiling=timedelta(minutes=1))
"""Per email: 3 free failures; the 4th starts a wait of 1 s, doubling, capped at a minute.
That is one failure before Cognito's own lock-out (the 5th failure locks for 1 s,
doubling), so hashless stops guessing first, and its wait stays at least Cognito's
lock up to the ceiling: the right password, sent when hashless lets it, meets no lock.
Its answer (429, "...or reset your password") is the same for every email, so a
customer whose Cognito account needs a reset, whose logins answer the generic 401 (no
account state proves the password right), is told what to do after four tries.
A guesser gets about one try a minute, far below NIST's 100 failures."""

ADDRESS_RULE = ThrottleRule(free=100, ceiling=timedelta(minutes=15))
"""Per client address: room for a shared office NAT, not for a credential-stuffing run."""


@dataclass(frozen=True)
class RequestOrigin:
    """Where a request came from, for the audit trail and address limits."""

    ip: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class NewSession:
    """The session a successful password login opens."""

    kind: str
    """``cookie`` or ``bearer``."""
    user_agent: str | None = None
    replaces: str | None = None
    """The token of a session cookie the browser already holds: it ends, so a planted
    cookie never becomes a login."""


@dataclass(frozen=True)
class SignedIn:
    customer: CustomerRow
    token: str
    """The new session's token: the only time it exists outside the client."""


class LoginGuard:
    """Throttle, authenticate, count and audit password logins.

    A login reads once before the password check (the throttle counters and the
    customer's row, in one session) and writes once after it (the audit row, the
    session, and the account's failure counter if it had one, in one transaction).
    """

    def __init__(
        self,
        engine: MigrationEngine,
        db: Database,
        floor: FailureFloor,
        *,
        quota: QuotaShapedStore | None = None,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._db = db
        self.floor = floor
        self._quota = quota
        self._on_refused = on_refused

    async def admit(self) -> Prepaid | None:
        """Pay for a login's Cognito call before any other work, on the event loop.

        Beyond the quota this raises ``CredentialStoreThrottled`` at once, so the excess
        is answered 503 before it can queue for a worker thread or the database. A
        short wait for the quota is an ``await``: it holds no thread.
        """
        if self._quota is None:
            return None
        try:
            ticket = self._quota.pay_ahead(QuotaCategory.AUTHENTICATION, "check")
        except CredentialStoreThrottled:
            if self._on_refused is not None:
                self._on_refused()
            raise
        if ticket.wait > 0:
            await anyio.sleep(ticket.wait)
        return ticket

    def login(
        self,
        email: str,
        password: str,
        origin: RequestOrigin,
        session: NewSession,
        ticket: Prepaid | None = None,
    ) -> SignedIn:
        """One password login under ``ticket`` (from ``admit``): the customer and a new
        session. The row read here serves the engine and the answer alike; only a
        login that migrated (and so changed the row) reads it again."""
        started = time.monotonic()
        rules = _rules(email, origin)
        with self._db.read() as reading:
            row = self._db.customers.find_by_email(email, within=reading)
            counters = self._db.throttle.state(rules, within=reading.connection())
        read = self._db.customers.record_of(row) if row is not None else None
        if self._quota is not None and (read is None or read.state is not CredentialState.COGNITO):
            # No check is due (unknown email, legacy hash): the token goes back before
            # the next login needs it. One that checks after a migration won pays then.
            self._quota.give_back(ticket)

        def authenticate() -> CredentialRecord:
            nonlocal row
            record = self._engine.authenticate(read, password)
            if record != read:
                row = self._db.customers.get(record.customer_id)
            return record

        with self._quota.prepaid(ticket) if self._quota is not None else nullcontext():
            record = self._attempt(email, origin, rules, counters, authenticate, started)
        with self._db.transaction() as writing:
            self._succeeded(writing, email, record, origin, counters)
            signed_in = self._open(writing, row, session, origin) if row is not None else None
        if signed_in is None:  # the row was deleted between the login and the re-read
            raise InvalidCredentials()
        return signed_in

    def verify(self, email: str, customer_id: str, password: str, origin: RequestOrigin) -> None:
        """Proof of the current password for a sensitive change, under the same limits."""
        started = time.monotonic()
        rules = _rules(email, origin)
        counters = self._db.throttle.state(rules)
        record = self._attempt(
            email,
            origin,
            rules,
            counters,
            lambda: self._engine.verify(customer_id, password),
            started,
        )
        with self._db.transaction() as writing:
            self._succeeded(writing, email, record, origin, counters)

    def _attempt(
        self,
        email: str,
        origin: RequestOrigin,
        rules: dict[str, ThrottleRule],
        counters: ThrottleState,
        authenticate: Callable[[], CredentialRecord],
        started: float,
    ) -> CredentialRecord:
        """``authenticate()`` unless the counters say wait; a failure is counted and
        audited in one transaction."""
        if counters.wait > timedelta(0):
            self.audit("login.limited", "refused", None, origin, detail={"email": email_key(email)})
            raise TooManyAttempts(max(1, round(counters.wait.total_seconds())))
        try:
            return authenticate()
        except InvalidCredentials:
            self.floor.observe(time.monotonic() - started)
            with self._db.transaction() as writing:
                self._db.throttle.record_failure(rules, within=writing)
                self.audit(
                    "login.failed",
                    "failure",
                    None,
                    origin,
                    detail={"email": email_key(email)},
                    within=writing,
                )
            raise
        except CredentialStoreUnavailable:
            self.audit("login.unavailable", "error", None, origin)
            raise

    def _succeeded(
        self,
        writing: Connection,
        email: str,
        record: CredentialRecord,
        origin: RequestOrigin,
        counters: ThrottleState,
    ) -> None:
        """Audit a good password and clear the account's counter, if the read found one
        (a counter started since is left: it can only make the limit stricter)."""
        account = _account_key(email)
        if account in counters.counted:
            self._db.throttle.forget(account, within=writing)
        self.audit("login.succeeded", "success", record.customer_id, origin, within=writing)

    def _open(
        self,
        writing: Connection,
        customer: CustomerRow,
        session: NewSession,
        origin: RequestOrigin,
    ) -> SignedIn:
        if session.replaces:
            self._db.sessions.revoke_token(session.replaces, within=writing)
        token, _ = self._db.sessions.create(
            customer.id, session.kind, user_agent=session.user_agent, ip=origin.ip, within=writing
        )
        return SignedIn(customer, token)

    def audit(
        self,
        event: str,
        outcome: str,
        customer_id: str | None,
        origin: RequestOrigin,
        *,
        actor: str = "customer",
        detail: dict[str, str] | None = None,
        within: Connection | None = None,
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
            ),
            within=within,
        )


def _account_key(email: str) -> str:
    return f"account:{email_key(email)}"


def _rules(email: str, origin: RequestOrigin) -> dict[str, ThrottleRule]:
    """The throttle keys of one attempt: the account's and the client address's."""
    rules = {_account_key(email): ACCOUNT_RULE}
    if origin.ip:
        rules[f"ip:{origin.ip}"] = ADDRESS_RULE
    return rules


def migration_auditor(db: Database) -> Callable[[MigrationEvent], None]:
    """The engine's observer: every migration, and every blocked one, joins the audit trail."""
    return audit_migrations(db.audit)


def audit_migrations(audit: AuditLog) -> Callable[[MigrationEvent], None]:
    """``migration_auditor`` for a host whose audit log is not in a ``Database``."""

    def record(event: MigrationEvent) -> None:
        outcome = "success" if event.name == "migration.succeeded" else "blocked"
        audit.record(
            AuditEntry(
                event=event.name,
                outcome=outcome,
                customer_id=event.customer_id,
                actor="system",
                detail=event.detail,
            )
        )

    return record
