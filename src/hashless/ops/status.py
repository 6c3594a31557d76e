"""How far the migration has come: customers by credential state, exposure left, history.

Every legacy hash still in the database is exposure, and a weak one (below the
strength floor of ``hashless.legacy.strength``) the worst of it. ``collect_status``
reads it all in a few grouped queries plus one streamed pass over the legacy hashes
(their strength is judged by parsing, not by hashing, so the pass is cheap).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Subquery, case, func, or_, select
from sqlalchemy.orm import Session

from hashless.legacy import VerifierRegistry, hash_is_weak
from hashless.storage import Database
from hashless.storage.models import CustomerSession

__all__ = [
    "BlockedCustomer",
    "DayStates",
    "FormatExposure",
    "StatusReport",
    "active_sessions",
    "collect_status",
    "render_status",
]


@dataclass(frozen=True)
class FormatExposure:
    format: str
    legacy: int
    weak: int
    unknown: int
    """Hashes whose strength cannot be judged: unknown format or malformed."""


@dataclass(frozen=True)
class BlockedCustomer:
    """A legacy customer whose password Cognito refused (pool policy): still on the hash."""

    id: str
    email: str
    legacy_format: str | None
    updated_at: datetime
    """When the row last changed (the refusal, or a later profile edit)."""


@dataclass(frozen=True)
class DayStates:
    """Account customers by credential state at the end of one day (UTC)."""

    day: date
    legacy: int
    migrated: int
    """In Cognito, moved there from a legacy hash."""
    registered: int
    """In Cognito from the start (registered through hashless)."""
    none: int
    migrations: int
    """Migrations on this day."""


@dataclass(frozen=True)
class StatusReport:
    accounts: int
    legacy: int
    cognito: int
    none: int
    blocked: int
    weak: int
    unknown_strength: int
    exposure: list[FormatExposure]
    blocked_customers: list[BlockedCustomer]
    history: list[DayStates]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def percent_migrated(self) -> float:
        """Of the customers with a password, the share whose password is out of the database."""
        with_password = self.legacy + self.cognito
        return 100.0 * self.cognito / with_password if with_password else 100.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["percent_migrated"] = round(self.percent_migrated, 2)
        data["generated_at"] = self.generated_at.isoformat()
        for customer in data["blocked_customers"]:
            customer["updated_at"] = customer["updated_at"].isoformat()
        for day in data["history"]:
            day["day"] = day["day"].isoformat()
        return data


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    # PostgreSQL's date() follows the session's time zone; days are UTC days everywhere.
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _exposure(session: Session, v: Subquery, registry: VerifierRegistry) -> list[FormatExposure]:
    legacy: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    rows = session.execute(
        select(v.c.legacy_format, v.c.legacy_hash)
        .where(v.c.state == "legacy")
        .execution_options(yield_per=2000)
    )
    for format_name, encoded in rows:
        detected = registry.detect(encoded or "") if format_name is None else None
        name = format_name or (detected.name if detected else "undetected")
        legacy[name] += 1
        verdict = hash_is_weak(registry, encoded or "", format_name=format_name)
        if verdict is None:
            unknown[name] += 1
        elif verdict:
            weak[name] += 1
    return [
        FormatExposure(name, legacy[name], weak[name], unknown[name]) for name in sorted(legacy)
    ]


def _history(session: Session, v: Subquery, today: date, days: int) -> list[DayStates]:
    dialect = session.get_bind().dialect.name
    created_day = _day(v.c.created_at, dialect)
    kind = case(
        (or_(v.c.migrated_at.is_not(None), v.c.state == "legacy"), "legacy"),
        (v.c.state == "cognito", "registered"),
        else_="none",
    )
    created: dict[str, Counter[date]] = {
        "legacy": Counter(),
        "registered": Counter(),
        "none": Counter(),
    }
    for day, what, count in session.execute(
        select(created_day, kind, func.count()).group_by(created_day, kind)
    ):
        created[what][_as_date(day)] += count
    migrated_day = _day(v.c.migrated_at, dialect)
    migrations: Counter[date] = Counter(
        {
            _as_date(day): count
            for day, count in session.execute(
                select(migrated_day, func.count())
                .where(v.c.migrated_at.is_not(None))
                .group_by(migrated_day)
            )
        }
    )
    first = today - timedelta(days=days - 1)

    def upto(counter: Counter[date], last: date) -> int:
        return sum(n for d, n in counter.items() if d <= last)

    history = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        migrated = upto(migrations, day)
        history.append(
            DayStates(
                day=day,
                legacy=upto(created["legacy"], day) - migrated,
                migrated=migrated,
                registered=upto(created["registered"], day),
                none=upto(created["none"], day),
                migrations=migrations.get(day, 0),
            )
        )
    return history


def _blocked(session: Session, v: Subquery, limit: int) -> list[BlockedCustomer]:
    rows = session.execute(
        select(v.c.id, v.c.email, v.c.legacy_format, v.c.updated_at)
        .where(v.c.state == "legacy", v.c.blocked)
        .order_by(v.c.updated_at.desc(), v.c.id)
        .limit(limit)
    )
    return [BlockedCustomer(*row) for row in rows]


def collect_status(
    db: Database,
    registry: VerifierRegistry,
    *,
    days: int = 14,
    today: date | None = None,
    blocked_limit: int = 20,
) -> StatusReport:
    """The whole picture, read in one database session."""
    stats = db.customers.credential_stats()
    today = today or datetime.now(UTC).date()
    accounts = db.customers.status_rows.subquery()
    with db.sessions_factory() as session:
        exposure = _exposure(session, accounts, registry)
        history = _history(session, accounts, today, days)
        blocked = _blocked(session, accounts, blocked_limit)
    return StatusReport(
        accounts=stats.total,
        legacy=stats.legacy,
        cognito=stats.cognito,
        none=stats.none,
        blocked=stats.blocked,
        weak=sum(e.weak for e in exposure),
        unknown_strength=sum(e.unknown for e in exposure),
        exposure=exposure,
        blocked_customers=blocked,
        history=history,
    )


def active_sessions(db: Database) -> int:
    """Sessions neither expired nor idle for longer than the idle timeout."""
    now = db.clock()
    with db.sessions_factory() as session:
        count = session.scalar(
            select(func.count()).where(
                CustomerSession.expires_at > now,
                CustomerSession.last_seen_at > now - db.session_idle,
            )
        )
    return count or 0


_BAR_WIDTH = 40


def _bars(history: Iterable[DayStates]) -> list[str]:
    days = list(history)
    peak = max((d.migrations for d in days), default=0)
    lines = []
    for d in days:
        width = round(_BAR_WIDTH * d.migrations / peak) if peak else 0
        bar = "█" * width or ("▏" if d.migrations else "")
        lines.append(f"  {d.day:%m-%d} │{bar} {d.migrations}")
    return lines


def render_status(report: StatusReport) -> str:
    """The report for a terminal: figures, exposure by format, migrations per day."""
    migrated = report.history[-1].migrated if report.history else 0
    lines = [
        f"Account customers      {report.accounts:>9,}",
        f"  password in Cognito  {report.cognito:>9,}   ({migrated:,} migrated from a legacy hash)",
        f"  legacy hash          {report.legacy:>9,}   "
        f"({report.weak:,} below the strength floor, {report.blocked:,} blocked)",
        f"  no password          {report.none:>9,}",
        f"Migrated               {report.percent_migrated:>8.1f}%   of customers with a password",
    ]
    if report.exposure:
        lines.append("")
        lines.append("Legacy hashes by format   hashes   below floor   unknown")
        for e in report.exposure:
            lines.append(f"  {e.format:<22} {e.legacy:>8,} {e.weak:>13,} {e.unknown:>9,}")
    if report.blocked_customers:
        lines.append("")
        shown = len(report.blocked_customers)
        lines.append(f"Blocked customers (Cognito refused their password), newest {shown}:")
        for b in report.blocked_customers:
            lines.append(f"  {b.id}  {b.legacy_format or '?'}  updated {b.updated_at:%Y-%m-%d}")
    lines.append("")
    lines.append(f"Migrations per day (UTC), last {len(report.history)} days")
    lines.extend(_bars(report.history))
    return "\n".join(lines) + "\n"
