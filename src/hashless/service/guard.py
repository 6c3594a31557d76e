"""Login attempts as the service sees them: throttled, audited, then the engine."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from hashless.credentials.shaping import Prepaid, QuotaCategory, QuotaShapedStore
from hashless.emails import email_key
from hashless.errors import (
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    InvalidCredentials,
    TooManyAttempts,
)
from hashless.migration import CredentialRecord, MigrationEngine
from hashless.migration.records import CredentialState
from hashless.service.limits import ADDRESS_HOLD, ADDRESS_RULE, account_key, login_rules
from hashless.service.logins import NewSession, RequestOrigin, SignedIn
from hashless.service.migration_audit import migrations_held
from hashless.service.outage import OUTAGE_HOLD, OUTAGE_KEY, OutageWatch, Runner
from hashless.service.timing import FailureFloor
from hashless.storage import (
    AuditEntry,
    CustomerRow,
    Database,
    ThrottleRule,
    ThrottleState,
    Writes,
)
from hashless.storage.devices import SeenDevice

__all__ = ["LoginGuard"]


class _SlotWait(Exception):
    """A spaced address's next slot is reserved for this attempt ``seconds`` from now."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


@dataclass(frozen=True)
class _Gate:
    """What one attempt is held to: the keys its failure counts against, and whether
    the store was judged unavailable when it started."""

    rules: dict[str, ThrottleRule]
    counters: ThrottleState
    outage: bool


class LoginGuard:
    """Throttle, authenticate, count and audit password logins.

    A login reads once before the password check (the throttle counters, the outage
    mark, the customer's row and the device, in one session) and writes once after
    it (the audit rows, the migration's too if it migrated, the session, the device,
    and the account's failure counter if it had one): one statement on PostgreSQL,
    or one transaction where it reads something back.
    """

    def __init__(
        self,
        engine: MigrationEngine,
        db: Database,
        floor: FailureFloor,
        *,
        quota: QuotaShapedStore | None = None,
        on_refused: Callable[[], None] | None = None,
        run: Runner[Any] = run_in_threadpool,
        outage: OutageWatch | None = None,
    ) -> None:
        """``run`` runs ``login`` for ``sign_in``: in a worker thread, or on the event
        loop (``hashless.service.on_loop``) if ``engine`` and ``db`` are built for it.
        ``outage``: the process's view of the outage mark, if another guard has it."""
        self._engine = engine
        self._db = db
        self._run = run
        self.floor = floor
        self.outage = outage or OutageWatch(floor)
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

    async def sign_in(
        self, email: str, password: str, origin: RequestOrigin, session: NewSession
    ) -> SignedIn:
        """A password login as the HTTP answer sees it: failures answer at the failure
        floor, unavailability at the outage deadline, a spaced address's attempt after
        its slot. Beyond the Cognito quota, 503 before any other work."""
        started = time.monotonic()
        ticket = await self.admit()
        try:
            try:
                return await self.outage.run(
                    lambda: self.login(email, password, origin, session, ticket),
                    started,
                    self._run,
                )
            except _SlotWait as slot:
                await anyio.sleep(slot.seconds)
                started = time.monotonic()
                return await self.outage.run(
                    lambda: self.login(email, password, origin, session, slot_taken=True),
                    started,
                    self._run,
                )
        except (InvalidCredentials, TooManyAttempts):
            await self.floor.pad(started)
            raise
        except CredentialStoreUnavailable:
            await self.outage.pad(started)
            raise

    def login(
        self,
        email: str,
        password: str,
        origin: RequestOrigin,
        session: NewSession,
        ticket: Prepaid | None = None,
        *,
        slot_taken: bool = False,
    ) -> SignedIn:
        """One password login under ``ticket`` (from ``admit``): the customer and a new
        session. The row read here serves the engine and the answer alike; only a
        login that migrated (and so changed the row) reads it again, in the transaction
        that opens the session."""
        started = time.monotonic()
        try:
            row, device, gate = self._read(email, origin, session)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # A connection the server ended (a restart, a killed backend) fails its
            # first statement, and SQLAlchemy has since discarded every pooled
            # connection as old: the read, which changes nothing, runs once more.
            row, device, gate = self._read(email, origin, session)
        known = device is not None
        read = self._db.customers.record_of(row) if row is not None else None
        answered = read is not None and read.state is CredentialState.COGNITO
        if self._quota is not None and not answered:
            # No check is due (unknown email, legacy hash): the token goes back before
            # the next login needs it. One that checks after a migration won pays then.
            self._quota.give_back(ticket)

        def authenticate() -> CredentialRecord:
            nonlocal answered
            record = self._engine.authenticate(read, password)
            if record != read:
                answered = True  # the store took the password
            return record

        with migrations_held(self._db.audit) as migrations:
            with self._quota.prepaid(ticket) if self._quota is not None else nullcontext():
                self._hold(email, origin, gate, known, slot_taken)
                record = self._attempt(email, origin, gate, authenticate, started, lambda: answered)
            # A migration reads its changed row back, and a device's renewal its row
            # count, in a transaction. Any other login's writes read nothing back, so
            # they go as one statement (``Database.writes``): a round trip, not five.
            migrated = record != read
            together = not migrated and not self._db.devices.renews(record.customer_id, device)
            finish: AbstractContextManager[Connection | Writes] = (
                self._db.writes() if together else self._db.transaction()
            )
            with finish as writing:
                if migrated and isinstance(writing, Connection):
                    row = self._db.customers.get(record.customer_id, within=writing)
                for entry in migrations:
                    self._db.audit.record(entry, within=writing)
                self._succeeded(writing, email, record, origin, gate, lift=answered)
                signed_in = (
                    self._open(writing, row, session, origin, device) if row is not None else None
                )
            migrations.clear()
        if signed_in is None:  # the row was deleted between the login and the re-read
            raise InvalidCredentials()
        return signed_in

    def _read(
        self, email: str, origin: RequestOrigin, session: NewSession
    ) -> tuple[CustomerRow | None, SeenDevice | None, _Gate]:
        """The customer's row, the device if it is theirs, and the attempt's gate."""
        with self._db.read() as reading:
            row = self._db.customers.find_by_email(email, within=reading)
            connection = reading.connection()
            seen = (
                self._db.devices.seen(session.device, within=connection) if session.device else None
            )
            device = seen if row is not None and seen and seen.customer_id == row.id else None
            rules = login_rules(email, origin.ip, device.token if device else None)
            counters = self._db.throttle.state([*rules, OUTAGE_KEY], within=connection)
        return row, device, _Gate(rules, counters, self.outage.saw(counters))

    def _hold(
        self, email: str, origin: RequestOrigin, gate: _Gate, known: bool, slot_taken: bool
    ) -> None:
        """Refuse (429) or space out the attempt, before any password check.

        A known device answers only to its own counter; anyone else to the account's,
        and, beyond the address's free failures, to the address's spacing.
        """
        wall = gate.counters.wait_of(
            key for key in gate.rules if key.startswith("device:" if known else "account:")
        )
        address = f"ip:{origin.ip}" if origin.ip else None
        failures = gate.counters.failures(address) if address else 0
        if not wall and not known and not slot_taken and address and failures > ADDRESS_RULE.free:
            spacing = ADDRESS_RULE.delay(failures)
            with self._db.transaction() as writing:
                slot = self._db.throttle.take_slot(
                    address, spacing, hold=ADDRESS_HOLD, within=writing
                )
            if slot is None:
                wall = spacing
            elif slot > timedelta(0):
                raise _SlotWait(slot.total_seconds())
        if wall > timedelta(0):
            self.audit("login.limited", "refused", None, origin, detail={"email": email_key(email)})
            raise TooManyAttempts(max(1, round(wall.total_seconds())))

    def verify(self, email: str, customer_id: str, password: str, origin: RequestOrigin) -> None:
        """Proof of the current password for a sensitive change, under the account's limit."""
        started = time.monotonic()
        rules = login_rules(email, origin.ip, None)
        gate = _Gate(rules, self._db.throttle.state(rules), outage=False)
        self._hold(email, origin, gate, known=False, slot_taken=True)
        record = self._attempt(
            email,
            origin,
            gate,
            lambda: self._engine.verify(customer_id, password),
            started,
            lambda: True,
        )
        with self._db.transaction() as writing:
            self._succeeded(writing, email, record, origin, gate, lift=False)

    def forgive(self, email: str) -> None:
        """Clear the account's failures: its owner proved control of the mailbox."""
        self._db.throttle.forget(account_key(email))

    def _attempt(
        self,
        email: str,
        origin: RequestOrigin,
        gate: _Gate,
        authenticate: Callable[[], CredentialRecord],
        started: float,
        answered: Callable[[], bool],
    ) -> CredentialRecord:
        """``authenticate()``; a failure is counted and audited in one transaction.

        During an outage the failure is counted before the attempt, and a failure the
        store did not judge answers as the outage does (``hashless.service.outage``).
        """
        if gate.outage:
            with self._db.transaction() as writing:
                self._db.throttle.record_failure(gate.rules, within=writing)
        try:
            return authenticate()
        except InvalidCredentials:
            lift = answered() and OUTAGE_KEY in gate.counters.counted
            with self._db.transaction() as writing:
                if not gate.outage:
                    self._db.throttle.record_failure(gate.rules, within=writing)
                if lift:
                    self._db.throttle.forget(OUTAGE_KEY, within=writing)
                self.audit(
                    "login.failed",
                    "failure",
                    None,
                    origin,
                    detail={"email": email_key(email)},
                    within=writing,
                )
            if lift:
                self.outage.lifted()
            if gate.outage and not answered():
                raise CredentialStoreUnavailable(
                    "login", "the store failed recently", self.outage.retry_after
                ) from None
            if not gate.outage:
                self.floor.observe(time.monotonic() - started)
            raise
        except CredentialStoreUnavailable as exc:
            with self._db.transaction() as writing:
                self._db.throttle.mark(OUTAGE_KEY, OUTAGE_HOLD, exc.retry_after, within=writing)
                self.audit("login.unavailable", "error", None, origin, within=writing)
            self.outage.suspect(exc.retry_after)
            raise

    def _succeeded(
        self,
        writing: Connection | Writes,
        email: str,
        record: CredentialRecord,
        origin: RequestOrigin,
        gate: _Gate,
        *,
        lift: bool,
    ) -> None:
        """Audit a good password and clear the account's and the device's counters, if
        the read found them or an outage counted them (a counter started since is
        left: it can only make the limit stricter); lift the outage mark if the store
        answered."""
        for key in gate.rules:
            if key.startswith(("account:", "device:")) and (
                gate.outage or key in gate.counters.counted
            ):
                self._db.throttle.forget(key, within=writing)
        if lift and OUTAGE_KEY in gate.counters.counted:
            self._db.throttle.forget(OUTAGE_KEY, within=writing)
            self.outage.lifted()
        self.audit("login.succeeded", "success", record.customer_id, origin, within=writing)

    def _open(
        self,
        writing: Connection | Writes,
        customer: CustomerRow,
        session: NewSession,
        origin: RequestOrigin,
        device: SeenDevice | None,
    ) -> SignedIn:
        if session.replaces:
            self._db.sessions.revoke_token(session.replaces, within=writing)
        token, _ = self._db.sessions.create(
            customer.id, session.kind, user_agent=session.user_agent, ip=origin.ip, within=writing
        )
        kept = self._db.devices.remember(customer.id, device, within=writing)
        return SignedIn(customer, token, kept)

    def audit(
        self,
        event: str,
        outcome: str,
        customer_id: str | None,
        origin: RequestOrigin,
        *,
        actor: str = "customer",
        detail: dict[str, str] | None = None,
        within: Connection | Writes | None = None,
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
