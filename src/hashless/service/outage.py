"""While the credential store is failing, every login answers alike.

A Cognito outage must not tell who has an account. Outside one, an unknown email, a
wrong legacy password and a wrong Cognito password all answer 401 at the failure
floor. During one, a login that reaches Cognito (a migrated customer, or a legacy
customer with the right password) fails after Cognito's timeout or at once if the
connection is refused, while one that never reaches it (unknown email, wrong legacy
password) would still answer 401 at the floor: a status and a timing oracle.

So the first login that finds the store unavailable marks it so, in the database
(``login_throttle`` key ``store:unavailable``, read with the throttle counters, so
every worker sees it at no extra query), for ``OUTAGE_HOLD``. While the mark holds:

* every login that does not succeed answers ``503`` with one body, at one deadline
  (``OutageWatch.deadline``), unknown emails and wrong passwords included, with the
  ``Retry-After`` of the failure that set the mark (the mark keeps it);
* a login still waiting for Cognito at the deadline is answered ``503`` then; its
  work (in a worker thread, or on the loop) finishes on its own (a migration it
  completes is as safe as any);
* every attempt counts as a failure *before* it is tried, so the limits advance
  alike whichever path the email takes and however late Cognito answers;
* logins that need Cognito still try it, so the first one it answers (a success or
  a wrong password) lifts the mark for everyone.

Only the logins that discover an outage answer differently (the mark does not exist
yet); from then on nothing about the answer depends on the email.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import anyio
from starlette.concurrency import run_in_threadpool

from hashless.errors import CredentialStoreUnavailable
from hashless.service.timing import FailureFloor
from hashless.storage import ThrottleState

__all__ = ["OUTAGE_HOLD", "OUTAGE_KEY", "OutageWatch"]

T = TypeVar("T")

Runner = Callable[[Callable[[], T]], Awaitable[T]]
"""Runs a synchronous login: ``run_in_threadpool``, or ``on_loop.on_loop``."""

OUTAGE_KEY = "store:unavailable"
OUTAGE_HOLD = timedelta(seconds=30)
"""How long one failure keeps the mark; every further failure renews it."""
ANSWER_SECONDS = 1.0
"""The least time an answer takes during an outage: above a slow legacy hash."""


class OutageWatch:
    """This process's view of the outage mark, and the deadline answers keep to."""

    def __init__(self, floor: FailureFloor, *, answer_seconds: float = ANSWER_SECONDS) -> None:
        self._floor = floor
        self._answer_seconds = answer_seconds
        self._until = 0.0
        self.retry_after = 5
        """The ``Retry-After`` of the failure behind the mark, for the answers it makes."""
        self._abandoned: set[asyncio.Future[Any]] = set()

    @property
    def deadline(self) -> float:
        """Seconds after its start at which a login answers during an outage."""
        return max(self._answer_seconds, self._floor.target)

    def saw(self, state: ThrottleState) -> bool:
        """Whether the mark holds per a read that included ``OUTAGE_KEY``; the process
        remembers it, so the next login caps its wait before its own read."""
        remaining = state.wait_of([OUTAGE_KEY])
        self._until = time.monotonic() + remaining.total_seconds() if remaining else 0.0
        if remaining:
            self.retry_after = state.failures(OUTAGE_KEY) or self.retry_after
        return bool(remaining)

    def suspect(self, retry_after: int) -> None:
        self._until = time.monotonic() + OUTAGE_HOLD.total_seconds()
        self.retry_after = retry_after

    def lifted(self) -> None:
        self._until = 0.0

    def suspected(self) -> bool:
        return time.monotonic() < self._until

    async def run(
        self, work: Callable[[], T], started: float, runner: Runner[T] = run_in_threadpool
    ) -> T:
        """``work()`` by ``runner``; during an outage, given up at the deadline."""
        if not self.suspected():
            return await runner(work)
        task = asyncio.ensure_future(runner(work))
        done, _ = await asyncio.wait({task}, timeout=self._remaining(started))
        if task in done:
            return task.result()
        # A thread cannot be stopped, and the loop's work must not be torn mid-write:
        # keep its task alive and its outcome read.
        self._abandoned.add(task)
        task.add_done_callback(self._forget)
        raise CredentialStoreUnavailable(
            "login", "no answer by the outage deadline", self.retry_after
        )

    def _forget(self, task: asyncio.Future[Any]) -> None:
        self._abandoned.discard(task)
        if not task.cancelled():
            task.exception()

    async def pad(self, started: float) -> None:
        remaining = self._remaining(started)
        if remaining > 0:
            await anyio.sleep(remaining)

    def _remaining(self, started: float) -> float:
        return max(0.0, self.deadline - (time.monotonic() - started))
