"""Failed-login counters in the database, so every worker process sees the same limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from hashless.storage.models import LoginThrottle, utcnow

__all__ = ["LoginThrottleRepository", "ThrottleRule", "ThrottleState"]


@dataclass(frozen=True)
class ThrottleRule:
    """``free`` failures cost nothing; each further one doubles the wait, up to ``ceiling``."""

    free: int
    ceiling: timedelta
    forget_after: timedelta = timedelta(hours=24)

    def delay(self, failures: int) -> timedelta:
        if failures <= self.free:
            return timedelta(0)
        return min(self.ceiling, timedelta(seconds=2 ** min(failures - self.free - 1, 20)))


@dataclass(frozen=True)
class ThrottleState:
    """The counters of some keys as one read found them."""

    wait: timedelta
    """How long until a login for these keys may be tried again (zero: now)."""
    counted: frozenset[str]
    """The keys that have a failure counter."""


_COUNTERS = select(LoginThrottle.key, LoginThrottle.blocked_until).where(
    LoginThrottle.key.in_(bindparam("keys", expanding=True))
)
"""Built once, so its cache key is too; read on every login."""


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
        """The wait and the existing counters for ``keys``, read in ``within`` if given."""
        if within is None:
            with self._sessions() as session:
                return self.state(keys, within=session.connection())
        now = self._clock()
        rows = within.execute(_COUNTERS, {"keys": list(keys)}).all()
        wait = max(
            (until - now for _, until in rows if until is not None and until > now),
            default=timedelta(0),
        )
        return ThrottleState(wait, frozenset(key for key, _ in rows))

    def record_failure(
        self, rules: dict[str, ThrottleRule], *, within: Connection | None = None
    ) -> None:
        """Count one failure against each key, atomically across processes; in the
        transaction ``within`` if given."""
        if within is None:
            with self._sessions.begin() as session:
                self.record_failure(rules, within=session.connection())
            return
        connection = within
        now = self._clock()
        dialect = connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for key, rule in rules.items():
            stale = LoginThrottle.last_failure_at < now - rule.forget_after
            failures = connection.execute(
                insert(LoginThrottle)
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
            if delay:
                connection.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key)
                    .values(blocked_until=now + delay)
                )

    def forget(self, key: str, *, within: Connection | None = None) -> None:
        """A successful login clears the account's counter (never the address's).

        Most logins have no counter: callers that read ``state`` first call this only
        for a key it counted, which spares the rest a write.
        """
        if within is None:
            with self._sessions.begin() as session:
                self.forget(key, within=session.connection())
            return
        within.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
