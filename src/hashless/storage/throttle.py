"""Failed-login counters in the database, so every worker process sees the same limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, Select, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from hashless.storage.models import LoginThrottle, utcnow
from hashless.storage.writes import Writes

__all__ = ["Counter", "LoginThrottleRepository", "ThrottleRule", "ThrottleState"]


@dataclass(frozen=True)
class ThrottleRule:
    """``free`` failures cost nothing; each further one doubles the wait, up to ``ceiling``.

    A ``spaced`` rule never walls its key off: beyond ``free`` failures it spaces the
    key's attempts ``delay(failures)`` apart instead (``LoginThrottleRepository.take_slot``).
    """

    free: int
    ceiling: timedelta
    forget_after: timedelta = timedelta(hours=24)
    spaced: bool = False
    first: timedelta = timedelta(seconds=1)
    """The wait after the first failure beyond ``free``."""

    def delay(self, failures: int) -> timedelta:
        if failures <= self.free:
            return timedelta(0)
        doublings: int = 2 ** min(failures - self.free - 1, 20)
        return min(self.ceiling, self.first * doublings)


@dataclass(frozen=True)
class Counter:
    failures: int
    blocked_until: datetime | None


@dataclass(frozen=True)
class ThrottleState:
    """The counters of some keys as one read found them."""

    now: datetime
    counters: Mapping[str, Counter]

    @property
    def wait(self) -> timedelta:
        """How long until a login for these keys may be tried again (zero: now)."""
        return self.wait_of(self.counters)

    def wait_of(self, keys: Iterable[str]) -> timedelta:
        """The longest wall among ``keys`` (zero: none)."""
        return max(
            (
                until - self.now
                for key in keys
                if (until := self._until(key)) is not None and until > self.now
            ),
            default=timedelta(0),
        )

    def _until(self, key: str) -> datetime | None:
        counter = self.counters.get(key)
        return counter.blocked_until if counter else None

    @property
    def counted(self) -> frozenset[str]:
        """The keys that have a counter."""
        return frozenset(self.counters)

    def failures(self, key: str) -> int:
        counter = self.counters.get(key)
        return counter.failures if counter else 0


@cache
def _counters(count: int) -> Select[str, int, datetime | None]:
    """The counters of ``count`` keys (``key0``...), built once per count: a login reads
    them every time, and an ``expanding`` IN list would be rendered into the SQL anew
    at each execution."""
    return select(LoginThrottle.key, LoginThrottle.failures, LoginThrottle.blocked_until).where(
        LoginThrottle.key.in_([bindparam(f"key{i}") for i in range(count)])
    )


_FORGET = delete(LoginThrottle).where(LoginThrottle.key == bindparam("key"))
"""Built once, so that it can join a login's other writes (``hashless.storage.writes``)."""
_SLOT_TRIES = 5
"""Compare-and-set rounds for one slot; losing them all means the key is busy."""


class LoginThrottleRepository:
    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def wait_for(self, keys: Iterable[str]) -> timedelta:
        """How long until a login for these keys may be tried again (zero: now)."""
        return self.state(keys).wait

    def state(self, keys: Iterable[str], *, within: Connection | None = None) -> ThrottleState:
        """The counters for ``keys``, read in ``within`` if given."""
        if within is None:
            with self._sessions() as session:
                return self.state(keys, within=session.connection())
        named = {f"key{i}": key for i, key in enumerate(keys)}
        rows = within.execute(_counters(len(named)), named).all() if named else []
        return ThrottleState(
            self._clock(), {key: Counter(failures, until) for key, failures, until in rows}
        )

    def record_failure(
        self, rules: Mapping[str, ThrottleRule], *, within: Connection | None = None
    ) -> None:
        """Count one failure against each key, atomically across processes; in the
        transaction ``within`` if given."""
        if within is None:
            with self._sessions.begin() as session:
                self.record_failure(rules, within=session.connection())
            return
        connection = within
        now = self._clock()
        for key, rule in rules.items():
            stale = LoginThrottle.last_failure_at < now - rule.forget_after
            failures = connection.execute(
                _insert(connection)(LoginThrottle)
                .values(key=key, failures=1, last_failure_at=now)
                .on_conflict_do_update(
                    index_elements=[LoginThrottle.key],
                    set_={
                        # Failures older than the rule remembers start the count anew.
                        "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                        "last_failure_at": now,
                    },
                )
                .returning(LoginThrottle.failures)
            ).scalar_one()
            delay = rule.delay(failures)
            if delay and not rule.spaced:
                connection.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key)
                    .values(blocked_until=now + delay)
                )

    def take_slot(
        self, key: str, spacing: timedelta, *, hold: timedelta, within: Connection
    ) -> timedelta | None:
        """Reserve the next attempt of a spaced key: how long to wait for it, or None
        if it is further than ``hold`` away (the key is busy: refuse the attempt).

        Slots are ``spacing`` apart whichever worker takes them: each is a
        compare-and-set of the key's ``blocked_until`` (the next free slot), in the
        transaction ``within``.
        """
        for _ in range(_SLOT_TRIES):
            now = self._clock()
            row = within.execute(
                select(LoginThrottle.blocked_until).where(LoginThrottle.key == key)
            ).first()
            if row is None:
                return timedelta(0)  # forgotten meanwhile: nothing to space
            (current,) = row
            slot = max(current, now) if current is not None else now
            if slot - now > hold:
                return None
            unchanged = (
                LoginThrottle.blocked_until.is_(None)
                if current is None
                else LoginThrottle.blocked_until == current
            )
            taken = within.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, unchanged)
                .values(blocked_until=slot + spacing)
            ).rowcount
            if taken:
                return slot - now
        return None

    def mark(
        self, key: str, hold: timedelta, value: int, *, within: Connection | None = None
    ) -> None:
        """Set a flag that holds for ``hold`` from now, carrying ``value`` in its
        ``failures`` (the credential store's outage mark and its ``Retry-After``)."""
        if within is None:
            with self._sessions.begin() as session:
                self.mark(key, hold, value, within=session.connection())
            return
        now = self._clock()
        within.execute(
            _insert(within)(LoginThrottle)
            .values(key=key, failures=value, last_failure_at=now, blocked_until=now + hold)
            .on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={"failures": value, "last_failure_at": now, "blocked_until": now + hold},
            )
        )

    def forget(self, key: str, *, within: Connection | Writes | None = None) -> None:
        """Drop a key's counter: a successful login clears the account's (never the
        address's).

        Most logins have no counter: callers that read ``state`` first call this only
        for a key it counted, which spares the rest a write.
        """
        if within is None:
            with self._sessions.begin() as session:
                self.forget(key, within=session.connection())
            return
        within.execute(_FORGET, {"key": key})


def _insert(connection: Connection) -> Callable[..., postgresql.Insert | sqlite.Insert]:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
