"""The migration engine: every flow that reads or writes a customer's credential.

Safety argument, in one place:

1. The host's record decides where a password is checked (``CredentialState``), never
   an error from the credential store (Cognito may hide unknown users).
2. A legacy hash is dropped (``mark_in_store``) only inside the same lock, after the
   store accepted the password. The lock's changes commit only when the block exits
   normally, so a crash or an exception at any step leaves the legacy hash in place.
   Until that commit the store's copy is never consulted, so a half-written store
   is harmless and is overwritten by the next attempt.
3. Every store write for one customer happens under that customer's lock, and each
   writer re-reads the record under it. A migrating login that verified an older
   record than the one it finds starts over, so a password change or reset that
   won the lock is never overwritten by the older password.
4. A wrong legacy password returns before any store call. A store outage changes no
   credential (503): the record's changes are discarded or, for a write's claim
   (rule 6), undone.
5. A store user is removed after a failed registration only when the host surely
   has no row for it. A commit whose answer was lost may have succeeded; removing
   the user then would leave an account without a credential.
6. A password write whose outcome is unknown never lands after a later one. The
   store may apply a request after its sender gave up (a read timeout, a 5xx, a
   killed process), so a write is fenced before it is sent. Under the lock the
   writer commits a claim, a ``write_fence`` of ``slack + send_timeout +
   write_window`` from now, then locks again and sends only if the fence is still
   its claim and ``send_timeout + write_window`` of it remains. Success, a refusal,
   or a failure that surely never arrived (``maybe_applied`` false) clears it; any
   other failure ends it ``write_window`` after the writer gave up; a process that
   dies leaves the claim, which covers its send to its timeout and the window after
   (unless the host commits the claim only with an outer transaction: Django's
   ``ATOMIC_REQUESTS``). A writer that finds a live fence of another sends nothing: it
   waits briefly for a claim to settle, then a login gets in by the legacy hash (which
   the record says is in effect) and migrates later, a reset or change answers 503
   with ``Retry-After``. Every write sent later lands after the doubtful one, as long as
   the store applies a request within ``write_window`` of its sender giving up, and
   ``send_timeout`` bounds a send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from hashless.blocking import DIRECT, Blocking
from hashless.credentials.protocol import CredentialStore
from hashless.errors import (
    AccountExists,
    CredentialStoreUnavailable,
    HashlessError,
    InvalidCredentials,
    PasswordRejected,
)
from hashless.legacy.registry import VerifierRegistry
from hashless.migration.fences import (
    DEFAULT_SEND_TIMEOUT,
    DEFAULT_WRITE_WINDOW,
    Fenced,
    WriteFences,
    past_claims,
)
from hashless.migration.records import (
    CredentialRecord,
    CredentialRecords,
    CredentialState,
    LockedRecord,
)
from hashless.passwords import MAX_PASSWORD_LENGTH, storable_reason, validate_new_password

__all__ = ["DEFAULT_SEND_TIMEOUT", "DEFAULT_WRITE_WINDOW", "MigrationEngine", "MigrationEvent"]

log = logging.getLogger("hashless.migration")

T = TypeVar("T")


@dataclass(frozen=True)
class MigrationEvent:
    """What the engine tells its observer (audit trail, metrics) after a migration."""

    name: str
    """``migration.succeeded`` or ``migration.blocked``."""
    customer_id: str
    detail: dict[str, str]


_MAX_ATTEMPTS = 3
"""Login restarts when the record changed while it was verified; more is contention."""


def _expected(
    locked: LockedRecord | None, verified: CredentialRecord | None
) -> LockedRecord | None:
    """``locked``, if a write may go on: None if a migration's record moved on;
    ``InvalidCredentials`` if a change's customer is gone."""
    if verified is None and locked is None:
        raise InvalidCredentials()
    return locked if verified is None or (locked and locked.record == verified) else None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MigrationEngine:
    """Log in, register and change credentials, migrating legacy customers lazily."""

    def __init__(
        self,
        records: CredentialRecords,
        store: CredentialStore,
        verifiers: VerifierRegistry,
        observer: Callable[[MigrationEvent], None] | None = None,
        *,
        write_window: timedelta = DEFAULT_WRITE_WINDOW,
        send_timeout: timedelta = DEFAULT_SEND_TIMEOUT,
        clock: Callable[[], datetime] = _utcnow,
        blocking: Blocking = DIRECT,
    ) -> None:
        self._records = records
        self._blocking = blocking
        self._store = store
        self._verifiers = verifiers
        self._observer = observer
        self._fences = WriteFences(write_window, send_timeout, clock)

    def _observe(self, event: MigrationEvent) -> None:
        if self._observer is not None:
            try:
                self._observer(event)
            except Exception:
                # An audit or metrics failure must not turn a good login into an error.
                log.exception("migration observer failed on %s", event.name)

    # -- authentication ---------------------------------------------------------

    def login(self, email: str, password: str) -> CredentialRecord:
        """Authenticate by email; migrate a legacy customer on success.

        Raises ``InvalidCredentials`` alike for unknown emails and wrong passwords.
        """
        return self.authenticate(self._records.find_by_email(email), password)

    def authenticate(self, record: CredentialRecord | None, password: str) -> CredentialRecord:
        """Authenticate the customer of a record the caller already read (None: unknown).

        For a host that reads the record together with the rest of the customer's row,
        so a login reads the row once. The read needs no lock: a migration re-reads the
        record under the lock and starts over if it changed.
        """
        if record is None or len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidCredentials()
        return self._authenticate(record, password)

    def verify(self, customer_id: str, password: str) -> CredentialRecord:
        """Authenticate a known customer (proof of the current password); migrates too."""
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidCredentials()
        record = self._records.get(customer_id)
        if record is None:
            raise InvalidCredentials()
        return self._authenticate(record, password)

    def _authenticate(self, record: CredentialRecord, password: str) -> CredentialRecord:
        for _ in range(_MAX_ATTEMPTS):
            if record.state is CredentialState.COGNITO:
                self._store.check(record.customer_id, password)
                return record
            if record.state is not CredentialState.LEGACY or not self._legacy_matches(
                record, password
            ):
                raise InvalidCredentials()
            migrated = self._migrate(record, password)
            if migrated is not None:
                return migrated
            # The record changed while we verified it: judge the password against
            # what is there now, never against what was there before.
            current = self._records.get(record.customer_id)
            if current is None:
                raise InvalidCredentials()
            record = current
        raise CredentialStoreUnavailable("login", "credential kept changing concurrently", 1)

    def _legacy_matches(self, record: CredentialRecord, password: str) -> bool:
        assert record.legacy_hash is not None
        legacy_hash = record.legacy_hash
        return self._blocking.offload(
            lambda: self._verifiers.verify(
                password,
                legacy_hash,
                format_name=record.legacy_format,
                customer_id=record.customer_id,
            )
        )

    def _migrate(self, verified: CredentialRecord, password: str) -> CredentialRecord | None:
        """Move a verified legacy password into the store; None if the record moved on
        (after another writer's claim, which is waited for: never let in by a hash that
        a reset in progress replaces)."""
        customer_id = verified.customer_id
        try:
            written = past_claims(
                lambda: self._write(customer_id, password, verified), self._blocking.pause
            )
        except Fenced:
            # An earlier write may still land: the legacy hash (which the record
            # says is in effect) lets them in, and a later login migrates.
            return verified
        if written is None:
            return None
        result, blocked_by = written
        # Told only after the lock's changes are committed, so no event is ever false.
        detail = {"format": verified.legacy_format or "undetected"}
        if blocked_by is None:
            log.info("migrated customer_id=%s format=%s", verified.customer_id, detail["format"])
            self._observe(MigrationEvent("migration.succeeded", verified.customer_id, detail))
            return result
        log.warning("migration blocked customer_id=%s reason=%s", verified.customer_id, blocked_by)
        detail["reason"] = blocked_by
        self._observe(MigrationEvent("migration.blocked", verified.customer_id, detail))
        return verified

    def _write(
        self, customer_id: str, password: str, verified: CredentialRecord | None
    ) -> tuple[CredentialRecord, str | None] | None:
        """Send ``password`` to the store under a claim (rule 6); the record after, and
        why a migration kept the legacy hash (None: it did not).

        ``verified``: the record a migration verified, which must still be the record;
        None if it is not. Raises ``Fenced`` while another write may still land.
        """
        claim: datetime | None = None
        for _ in range(_MAX_ATTEMPTS):
            with self._records.locked(customer_id) as found:
                locked = _expected(found, verified)
                if locked is None:
                    return None
                record = locked.record
                if record.write_fence != claim:
                    self._fences.check(record)
                if verified is not None and storable_reason(password) is not None:
                    # The store would refuse it anyway: keep the legacy hash, let them in.
                    locked.mark_blocked()
                    return verified, "unstorable"
                self._store.create(customer_id, record.email)
                claim = self._fences.claim()
                locked.fence_writes(claim)
            # Committed: from here on a crash leaves the claim, which expires by itself.
            with self._records.locked(customer_id) as found:
                locked = _expected(found, verified)
                if locked is None:
                    if found is not None and found.record.write_fence == claim:
                        found.fence_writes(None)  # nothing was sent under it
                    return None
                record = locked.record
                if record.write_fence != claim:
                    # Ours expired before we got here, and another writer came by.
                    self._fences.check(record)
                    continue
                if not self._fences.covers_a_send(claim):
                    continue  # too late to send under this claim: claim again
                failure = self._put_password(locked, password, migrating=verified is not None)
                result = locked.record
            if isinstance(failure, PasswordRejected) and verified is not None:
                return verified, "pool-policy"
            if failure is not None:
                raise failure
            return result, None
        raise CredentialStoreUnavailable(
            "set_password", "the credential kept changing concurrently", 1, maybe_applied=False
        )

    def _put_password(
        self, locked: LockedRecord, password: str, *, migrating: bool
    ) -> HashlessError | None:
        """Send ``password`` for a locked, claimed customer; drop any legacy hash.

        The user was created whatever the record says (an existing one is left as it
        is): a migrated customer's user may have been deleted in the store behind
        hashless' back, and without this no reset could ever give them a password.
        On refusal the user this created for a legacy customer is removed again, so
        no half-created user is left behind; one left by an earlier crash is removed
        too, which is safe because the record (still legacy) never sent anyone to it.

        Any store failure is returned, for the caller to raise once the lock's block
        has exited normally and so committed what becomes of the claim (rule 6).
        """
        record = locked.record
        try:
            self._store.set_password(record.customer_id, password)
        except CredentialStoreUnavailable as exc:
            if not exc.maybe_applied:
                locked.fence_writes(None)
                return exc
            locked.fence_writes(self._fences.after_failure())
            log.warning(
                "password write outcome unknown customer_id=%s: no other write for %d s",
                record.customer_id,
                self._fences.window.total_seconds(),
            )
            return exc
        except HashlessError as exc:
            # Refused (policy, setup): the store answered, so nothing will land later.
            if isinstance(exc, PasswordRejected):
                if record.state is not CredentialState.COGNITO:
                    self._delete_quietly(record.customer_id)
                if migrating:
                    locked.mark_blocked()
            locked.fence_writes(None)
            return exc
        if record.state is CredentialState.COGNITO:
            locked.fence_writes(None)
        else:
            locked.mark_in_store()
        return None

    # -- account changes --------------------------------------------------------

    def register(self, customer_id: str, email: str, password: str, insert: Callable[[], T]) -> T:
        """Create the store user with ``password``, then the host's row via ``insert``.

        The store comes first: a crash in between leaves an unused store user under
        a fresh id (found by reconcile), never an account row without a credential.
        ``insert`` raises ``AccountExists`` on a duplicate email; on any failure the
        store user is removed again unless the row may exist after all.
        """
        validate_new_password(password)
        if self._records.find_by_email(email) is not None:
            raise AccountExists()
        self._store.create(customer_id, email)
        try:
            self._store.set_password(customer_id, password)
            return insert()
        except BaseException:
            if self._surely_absent(customer_id):
                self._delete_quietly(customer_id)
            raise

    def _surely_absent(self, customer_id: str) -> bool:
        """True only if the host has no row for ``customer_id``; False when unsure."""
        try:
            return self._records.get(customer_id) is None
        except Exception:
            # The database cannot say either: an unused store user is the safe leftover.
            return False

    def set_password(self, customer_id: str, password: str) -> CredentialRecord:
        """Make ``password`` the customer's only password (change or reset).

        The caller has already checked the customer's right to do so (current
        password, recent login or reset token). Another writer's claim (a first
        login migrating, most often) is waited for (``fences.past_claims``).
        """
        validate_new_password(password)
        try:
            written = past_claims(
                lambda: self._write(customer_id, password, None), self._blocking.pause
            )
        except Fenced as fenced:
            raise CredentialStoreUnavailable(
                "set_password",
                "an earlier password write may still land",
                fenced.retry_after,
                maybe_applied=False,
            ) from None
        assert written is not None  # only a migration's record can move on
        log.info("password set customer_id=%s", customer_id)
        return written[0]

    def change_email(self, customer_id: str, email: str) -> None:
        """Change the customer's email in the store (if there) and in the record."""
        with self._records.locked(customer_id) as locked:
            if locked is None:
                raise InvalidCredentials()
            other = self._records.find_by_email(email)
            if other is not None and other.customer_id != customer_id:
                raise AccountExists()
            if locked.record.state is CredentialState.COGNITO:
                self._store.update_email(customer_id, email)
            locked.set_email(email)

    def delete(self, customer_id: str) -> None:
        """Delete the customer, then its store user.

        The record goes first: a crash or outage in between leaves an unused store
        user (found by reconcile) rather than a live customer who cannot log in.
        """
        with self._records.locked(customer_id) as locked:
            if locked is None:
                return
            locked.mark_deleted()
        self._delete_quietly(customer_id)

    def _delete_quietly(self, customer_id: str) -> None:
        try:
            self._store.delete(customer_id)
        except HashlessError as exc:
            log.warning(
                "could not delete credential-store user customer_id=%s error=%s",
                customer_id,
                type(exc).__name__,
            )
