"""Keep calls under Cognito's request quotas, and refuse the excess at once.

Cognito throttles each quota category (per account and Region) beyond its rate, and a
throttled call has already cost a round trip and, for a migration, maybe half of one.
``QuotaShapedStore`` wraps any ``CredentialStore`` and passes a call on only if the
category's token bucket has room now or within ``max_wait`` (a short wait smooths a
burst); otherwise it raises ``CredentialStoreThrottled`` without calling Cognito, which
the service answers 503 with ``Retry-After``. Nothing queues until a timeout.
A caller that knows a call is coming can pay for it ahead (``pay_ahead``), before
any other work, so that an overloaded process refuses the excess before queueing it.

The buckets live in a small memory-mapped file under a POSIX record lock (``lockf``),
so every worker process on a host that opens the same file draws from the same budget,
forked or not; no server is needed. Several hosts share one budget through Redis
(``hashless.credentials.redis_quota``, same ``TokenBuckets`` protocol). Cognito's quotas
are shared by every pool and application in the account and Region, so leave room for
anything else that calls it.
"""

from __future__ import annotations

import fcntl
import math
import mmap
import os
import stat
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from hashless.credentials.protocol import CredentialStore
from hashless.errors import ConfigurationError, CredentialStoreThrottled

__all__ = [
    "DEFAULT_BURST_SECONDS",
    "DEFAULT_RATES",
    "Prepaid",
    "QuotaCategory",
    "QuotaShapedStore",
    "SharedTokenBuckets",
    "TokenBuckets",
    "default_bucket_file",
]


class QuotaCategory(StrEnum):
    """Cognito's quota categories for the admin operations hashless calls."""

    AUTHENTICATION = "UserAuthentication"
    CREATION = "UserCreation"
    ACCOUNT_RECOVERY = "UserAccountRecovery"
    UPDATE = "UserUpdate"


DEFAULT_RATES: Mapping[QuotaCategory, float] = {
    QuotaCategory.AUTHENTICATION: 120.0,
    QuotaCategory.CREATION: 50.0,
    QuotaCategory.ACCOUNT_RECOVERY: 30.0,
    QuotaCategory.UPDATE: 25.0,
}
"""Cognito's default quotas in requests per second (the first two can be raised)."""

DEFAULT_BURST_SECONDS = 1.0
"""A bucket holds one second of its rate: what Cognito's per-second quota itself lets
through at once, so a burst that Cognito would serve (50 first logins of one customer
need 50 checks, of 120 a second) is not refused here; over any span T at most
rate x (T + 1 s) calls start, the bound a one-second quota sets."""

_SLOT = struct.Struct("=dd")
"""One bucket in the file: tokens, and the monotonic time they were counted at (0: unset)."""

_ORDER = tuple(QuotaCategory)


def default_bucket_file(key: str) -> Path:
    """Where processes of one user on this host meet: ``/dev/shm`` if there, else temp.

    ``key`` (the user pool id) keeps unrelated deployments apart.
    """
    # A shared folder, hence the checks in SharedTokenBuckets on the file it opens.
    shm = Path("/dev/shm")  # noqa: S108
    folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in key)
    return folder / f"hashless-quota-{os.getuid()}-{safe}.bin"


def _open_own_file(path: Path) -> int:
    """Open (or create) the bucket file, refusing a symlink or another user's file: in a
    shared folder either could be planted to make the buckets write elsewhere."""
    problem = None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
    else:
        info = os.fstat(fd)
        if info.st_uid == os.getuid() and stat.S_ISREG(info.st_mode):
            return fd
        os.close(fd)
        problem = "not a regular file owned by this user"
    raise ConfigurationError(
        f"cannot use the quota file {path} ({problem}): set HASHLESS_COGNITO_RATE_FILE "
        "to a path this user owns"
    )


class TokenBuckets(Protocol):
    """One token bucket per quota category: this host's file, or Redis for several hosts."""

    scope: str
    """Where the budget holds, for the refusal's message: "on this host", "across hosts"."""

    def rate(self, category: QuotaCategory) -> float | None: ...

    def reserve(self, category: QuotaCategory, max_wait: float) -> float | None: ...

    def refund(self, category: QuotaCategory) -> None: ...

    def retry_after(self, category: QuotaCategory) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Bucket:
    rate: float
    capacity: float


class SharedTokenBuckets:
    """One token bucket per quota category, shared through ``path`` by every process.

    ``rates`` are requests per second; a category that is absent or 0 is not limited.
    Each bucket holds ``rate * burst_seconds`` tokens at most (never less than one), so
    after a quiet spell at most that many calls start at once. ``clock`` must be
    ``time.monotonic`` in production: it is the same clock in every process of a host.
    """

    scope = "on this host"

    def __init__(
        self,
        path: Path,
        rates: Mapping[QuotaCategory, float],
        *,
        burst_seconds: float = DEFAULT_BURST_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst_seconds <= 0:
            raise ConfigurationError("the quota burst must be a positive number of seconds")
        for category, rate in rates.items():
            if rate < 0 or not math.isfinite(rate):
                raise ConfigurationError(f"the {category} rate must be a number ≥ 0")
        self._buckets = {
            category: _Bucket(rate, max(1.0, rate * burst_seconds))
            for category, rate in rates.items()
            if rate > 0
        }
        self._clock = clock
        self._thread_lock = _thread_lock_for(path)
        self.path = path
        self._fd = _open_own_file(path)
        fd = self._fd
        size = _SLOT.size * len(_ORDER)
        with self._file_lock():
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
        self._map = mmap.mmap(fd, size)

    def rate(self, category: QuotaCategory) -> float | None:
        bucket = self._buckets.get(category)
        return bucket.rate if bucket else None

    def reserve(self, category: QuotaCategory, max_wait: float) -> float | None:
        """Take one token: the seconds to wait before calling (≤ ``max_wait``), or None.

        None means the bucket cannot serve the call within ``max_wait``; nothing is
        taken then. A positive wait takes a token that is yet to come, so callers that
        wait are spaced out at the category's rate.
        """
        bucket = self._buckets.get(category)
        if bucket is None:
            return 0.0
        offset = _ORDER.index(category) * _SLOT.size
        with self._file_lock():
            tokens, now = self._refilled(bucket, offset)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / bucket.rate
            if wait > max_wait:
                _SLOT.pack_into(self._map, offset, tokens, now)
                return None
            _SLOT.pack_into(self._map, offset, tokens - 1, now)
            return wait

    def refund(self, category: QuotaCategory) -> None:
        """Give back the token ``reserve`` took for a call that was not made after all."""
        bucket = self._buckets.get(category)
        if bucket is None:
            return
        offset = _ORDER.index(category) * _SLOT.size
        with self._file_lock():
            tokens, now = self._refilled(bucket, offset)
            _SLOT.pack_into(self._map, offset, min(bucket.capacity, tokens + 1), now)

    def _refilled(self, bucket: _Bucket, offset: int) -> tuple[float, float]:
        """The bucket's tokens now, and now; under the file lock."""
        tokens, stamp = self._read(offset)
        now = self._clock()
        if stamp <= 0:
            tokens = bucket.capacity
        elif now > stamp:
            # A clock behind the stamp (a file kept across a reboot) adds nothing.
            tokens = min(bucket.capacity, tokens + (now - stamp) * bucket.rate)
        return tokens, now

    def retry_after(self, category: QuotaCategory) -> int:
        """Whole seconds (at least 1) after which a call of ``category`` has room again."""
        bucket = self._buckets.get(category)
        if bucket is None:
            return 1
        offset = _ORDER.index(category) * _SLOT.size
        with self._file_lock():
            tokens, stamp = self._read(offset)
        elapsed = max(0.0, self._clock() - stamp)
        deficit = 1 - min(bucket.capacity, tokens + elapsed * bucket.rate)
        return max(1, math.ceil(deficit / bucket.rate))

    def _read(self, offset: int) -> tuple[float, float]:
        tokens, stamp = _SLOT.unpack_from(self._map, offset)
        return float(tokens), float(stamp)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

    def _file_lock(self) -> _FileLock:
        return _FileLock(self._thread_lock, self._fd)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock_for(path: Path) -> threading.Lock:
    """One lock per file per process: a record lock belongs to the process, so it does
    not keep the process's own threads (or a second instance on the file) apart."""
    key = os.path.realpath(path)
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(key, threading.Lock())


class _FileLock:
    """The process's lock for the file, then the record lock that other processes see."""

    def __init__(self, thread_lock: threading.Lock, fd: int) -> None:
        self._thread_lock = thread_lock
        self._fd = fd

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(self, *_: object) -> None:
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


@dataclass
class Prepaid:
    """One call of ``category`` paid for ahead, once ``wait`` seconds have passed."""

    category: QuotaCategory
    wait: float
    used: bool = False


_PREPAID: ContextVar[Prepaid | None] = ContextVar("hashless_prepaid_call", default=None)


class QuotaShapedStore:
    """A ``CredentialStore`` that keeps each Cognito quota category under its rate.

    A call that the category's bucket can serve within ``max_wait`` seconds waits
    that long (in the calling worker thread) and goes on; any other call raises
    ``CredentialStoreThrottled`` at once, before Cognito is called. A call paid for
    ahead (``pay_ahead``, then ``prepaid`` around the work) takes nothing more.
    """

    def __init__(
        self,
        store: CredentialStore,
        buckets: TokenBuckets,
        *,
        max_wait: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._buckets = buckets
        self._max_wait = max_wait
        self._sleep = sleep

    @property
    def inner(self) -> CredentialStore:
        return self._store

    def __repr__(self) -> str:
        return f"QuotaShapedStore({self._store!r})"

    def pay_ahead(self, category: QuotaCategory, operation: str) -> Prepaid:
        """Take the quota for a coming call of ``category`` now, before any other work.

        Raises ``CredentialStoreThrottled`` at once if there is no room within
        ``max_wait``; the caller waits ``Prepaid.wait`` (without holding a thread) and
        runs the work inside ``prepaid``.
        """
        return Prepaid(category, self._reserve(category, operation))

    def give_back(self, ticket: Prepaid | None) -> None:
        """Return an unused ticket now, once the caller knows its call will not come (an
        unknown email, a legacy customer's first login): the token is back before the
        next login needs it. A call made later pays for itself when it comes."""
        if ticket is not None and not ticket.used:
            ticket.used = True
            self._buckets.refund(ticket.category)

    @contextmanager
    def prepaid(self, ticket: Prepaid | None) -> Iterator[None]:
        """The first call of the ticket's category in this block uses the ticket; a
        ticket no call used (an unknown email, a legacy customer) is given back."""
        token = _PREPAID.set(ticket)
        try:
            yield
        finally:
            _PREPAID.reset(token)
            self.give_back(ticket)

    def _reserve(self, category: QuotaCategory, operation: str) -> float:
        wait = self._buckets.reserve(category, self._max_wait)
        if wait is None:
            raise CredentialStoreThrottled(
                operation,
                f"hashless holds {category} calls under "
                f"{self._buckets.rate(category):g}/s {self._buckets.scope}",
                self._buckets.retry_after(category),
                maybe_applied=False,
            )
        return wait

    def _admit(self, category: QuotaCategory, operation: str) -> None:
        ticket = _PREPAID.get()
        if ticket is not None and ticket.category is category and not ticket.used:
            ticket.used = True
            return
        wait = self._reserve(category, operation)
        if wait > 0:
            self._sleep(wait)

    def check(self, username: str, password: str) -> None:
        self._admit(QuotaCategory.AUTHENTICATION, "check")
        self._store.check(username, password)

    def create(self, username: str, email: str) -> bool:
        self._admit(QuotaCategory.CREATION, "create")
        return self._store.create(username, email)

    def set_password(self, username: str, password: str) -> None:
        self._admit(QuotaCategory.ACCOUNT_RECOVERY, "set_password")
        self._store.set_password(username, password)

    def update_email(self, username: str, email: str) -> None:
        self._admit(QuotaCategory.UPDATE, "update_email")
        self._store.update_email(username, email)

    def delete(self, username: str) -> None:
        self._admit(QuotaCategory.UPDATE, "delete")
        self._store.delete(username)
