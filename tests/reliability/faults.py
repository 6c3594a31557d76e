"""Crash injection: fail a flow right after any one of its steps.

A step is one call that changes state somewhere: a Cognito write, the customer row's
lock and each change made under it, the lock's commit, a service-side database write
(reset token, session, audit row), or the commit of a transaction grouping such
writes. ``CrashPlan.after(step)`` runs right after the step succeeded and either
raises what that system would raise had its answer been lost
(``CredentialStoreUnavailable`` from Cognito, ``OperationalError`` from the
database), or ends the process on the spot with ``os._exit``: no ``except``,
``finally`` or rollback of ours runs, exactly as if the machine had lost power.
"""

from __future__ import annotations

import gc
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.exc import OperationalError

from hashless.credentials.protocol import CredentialStore
from hashless.errors import CredentialStoreUnavailable
from hashless.migration.records import CredentialRecord, CredentialRecords, LockedRecord
from hashless.storage import AuditEntry, Database

CRASH_EXIT = 86
"""The exit status of a process that died at its planned step."""


def _lost_database_answer() -> BaseException:
    return OperationalError("COMMIT", None, ConnectionResetError("connection lost (injected)"))


def _lost_cognito_answer(operation: str) -> Callable[[], BaseException]:
    return lambda: CredentialStoreUnavailable(operation, "the answer was lost (injected)")


@dataclass
class CrashPlan:
    """Fail at the first time step ``at`` completes; record every step reached."""

    at: str | None = None
    death: bool = False
    """End the process with ``os._exit(CRASH_EXIT)`` instead of raising."""
    reached: list[str] = field(default_factory=list)
    fired: bool = False

    def after(self, step: str, error: Callable[[], BaseException]) -> None:
        # A step a flow takes again is numbered: a write's second lock is ``db.lock#2``.
        again = self.reached.count(step) + sum(s.startswith(step + "#") for s in self.reached)
        step = f"{step}#{again + 1}" if again else step
        self.reached.append(step)
        if step != self.at or self.fired:
            return
        self.fired = True
        if self.death:
            os._exit(CRASH_EXIT)
        raise error()


class FaultyStore:
    """A ``CredentialStore`` that reaches the plan after each call that returned."""

    _ACTIONS: ClassVar[dict[str, str]] = {
        "check": "AdminInitiateAuth",
        "create": "AdminCreateUser",
        "set_password": "AdminSetUserPassword",
        "update_email": "AdminUpdateUserAttributes",
        "delete": "AdminDeleteUser",
    }

    def __init__(self, inner: CredentialStore, plan: CrashPlan) -> None:
        self._inner = inner
        self._plan = plan

    def _after(self, operation: str) -> None:
        self._plan.after(f"cognito.{self._ACTIONS[operation]}", _lost_cognito_answer(operation))

    def check(self, username: str, password: str) -> None:
        self._inner.check(username, password)
        self._after("check")

    def create(self, username: str, email: str) -> bool:
        created = self._inner.create(username, email)
        self._after("create")
        return created

    def set_password(self, username: str, password: str) -> None:
        self._inner.set_password(username, password)
        self._after("set_password")

    def update_email(self, username: str, email: str) -> None:
        self._inner.update_email(username, email)
        self._after("update_email")

    def delete(self, username: str) -> None:
        self._inner.delete(username)
        self._after("delete")


class _FaultyLocked:
    def __init__(self, inner: LockedRecord, plan: CrashPlan) -> None:
        self._inner = inner
        self._plan = plan

    @property
    def record(self) -> CredentialRecord:
        return self._inner.record

    def mark_in_store(self) -> None:
        self._inner.mark_in_store()
        self._plan.after("db.mark_in_store", _lost_database_answer)

    def mark_blocked(self) -> None:
        self._inner.mark_blocked()
        self._plan.after("db.mark_blocked", _lost_database_answer)

    def fence_writes(self, until: datetime | None) -> None:
        self._inner.fence_writes(until)
        self._plan.after("db.fence_writes", _lost_database_answer)

    def set_email(self, email: str) -> None:
        self._inner.set_email(email)
        self._plan.after("db.set_email", _lost_database_answer)

    def mark_deleted(self) -> None:
        self._inner.mark_deleted()
        self._plan.after("db.mark_deleted", _lost_database_answer)


class FaultyRecords:
    """``CredentialRecords`` reaching the plan after the lock, each change, and the commit.

    A failure inside the lock rolls it back, as a lost connection would; one after
    ``db.commit`` is the in-doubt commit: done, but the caller was never told.
    """

    def __init__(self, inner: CredentialRecords, plan: CrashPlan) -> None:
        self._inner = inner
        self._plan = plan

    def find_by_email(self, email: str) -> CredentialRecord | None:
        return self._inner.find_by_email(email)

    def get(self, customer_id: str) -> CredentialRecord | None:
        return self._inner.get(customer_id)

    @contextmanager
    def locked(self, customer_id: str) -> Iterator[_FaultyLocked | None]:
        with self._inner.locked(customer_id) as locked:
            self._plan.after("db.lock", _lost_database_answer)
            yield None if locked is None else _FaultyLocked(locked, self._plan)
        self._plan.after("db.commit", _lost_database_answer)


class _Hooked:
    """Passes every attribute through; the named methods reach the plan after returning."""

    def __init__(self, inner: Any, plan: CrashPlan, steps: dict[str, Callable[..., str]]) -> None:
        self._inner = inner
        self._plan = plan
        self._steps = steps

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        step_of = self._steps.get(name)
        if step_of is None:
            return attribute

        def hooked(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            self._plan.after(step_of(*args, **kwargs), _lost_database_answer)
            return result

        return hooked


def _named(step: str) -> Callable[..., str]:
    return lambda *_, **__: step


def _audit_step(entry: AuditEntry, **_: Any) -> str:
    return f"db.audit:{entry.event}"


def faulty_database(db: Database, plan: CrashPlan) -> Database:
    """A ``Database`` over the same engine whose writes reach ``plan``."""
    faulty = Database(db.engine, db.session_idle, db.session_absolute, db.clock)
    faulty.customers = _Hooked(  # type: ignore[assignment]
        faulty.customers,
        plan,
        {
            "insert_account": _named("db.insert_account"),
            "update_profile": _named("db.update_profile"),
        },
    )
    faulty.sessions = _Hooked(  # type: ignore[assignment]
        faulty.sessions,
        plan,
        {
            "create": _named("db.create_session"),
            "revoke": _named("db.revoke_session"),
            "revoke_all": _named("db.revoke_sessions"),
        },
    )
    faulty.reset_tokens = _Hooked(  # type: ignore[assignment]
        faulty.reset_tokens,
        plan,
        {
            "consume": _named("db.consume_reset_token"),
            "give_back": _named("db.give_back_reset_token"),
            "revoke_all": _named("db.revoke_reset_tokens"),
        },
    )
    faulty.audit = _Hooked(faulty.audit, plan, {"record": _audit_step})  # type: ignore[assignment]
    faulty.throttle = _Hooked(  # type: ignore[assignment]
        faulty.throttle,
        plan,
        {"record_failure": _named("db.throttle_failure"), "forget": _named("db.throttle_forget")},
    )
    opened = faulty.transaction

    @contextmanager
    def transaction() -> Iterator[Any]:
        # Writes made ``within`` it are steps too, but only this commit keeps them.
        with opened() as session:
            yield session
        plan.after("db.transaction_commit", _lost_database_answer)

    faulty.transaction = transaction  # type: ignore[method-assign]
    return faulty


def in_child_process(work: Callable[[], None], *, timeout: float = 60.0) -> int:
    """Run ``work`` in a forked child and return its exit status.

    The child ends with ``os._exit`` whatever happens: 0 if ``work`` returned, 1 (after
    printing the traceback) if it raised, or whatever ``work`` chose to exit with.
    The caller must hold no open database connection across the fork.
    """
    # Frozen objects are never visited by the child's garbage collector, so the child
    # does not copy every page of the (large) pytest process it was forked from.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's exit status is what the parent checks
        status = 1
        try:
            work()
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)
    gc.unfreeze()
    deadline = time.monotonic() + timeout
    while True:
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(wait_status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"child process did not finish within {timeout} s")
        time.sleep(0.005)
