"""``hashless status``: counts, exposure and history, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import bcrypt
from click.testing import CliRunner
from sqlalchemy import update

from hashless.cli.main import main
from hashless.credentials.memory import InMemoryCredentialStore
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.ops.status import active_sessions, collect_status, render_status
from hashless.storage import Database, LegacyCustomer
from hashless.storage.models import Customer

STRONG = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(10)).decode()


def _seed(db: Database) -> dict[str, str]:
    """Two Medusa v1 (weak), one Medusa v2 (weak), one bcrypt cost 10 (strong), one unknown."""
    v1, v2 = DEMO_CUSTOMERS
    customers = [
        LegacyCustomer(
            email="a@example.com", legacy_format="medusa-v1", legacy_hash=v1.legacy_hash
        ),
        LegacyCustomer(
            email="b@example.com", legacy_format="medusa-v1", legacy_hash=v1.legacy_hash
        ),
        LegacyCustomer(
            email="c@example.com", legacy_format="medusa-v2", legacy_hash=v2.legacy_hash
        ),
        LegacyCustomer(email="d@example.com", legacy_format="bcrypt", legacy_hash=STRONG),
        LegacyCustomer(email="e@example.com", legacy_format="acme-md5", legacy_hash="0" * 32),
    ]
    ids = db.customers.insert_legacy(customers, new_customer_id)
    return {c.email: i for c, i in zip(customers, ids, strict=True)}


def _backdate(
    db: Database, customer_id: str, *, created: datetime, migrated: datetime | None
) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(created_at=created, migrated_at=migrated)
        )


def test_counts_exposure_and_history(db: Database) -> None:
    """Migrations through the real engine show as state counts, % migrated and per-day history."""
    ids = _seed(db)
    store = InMemoryCredentialStore(
        policy=lambda p: "needs a symbol" if p == "blocked-pw" else None
    )
    engine = MigrationEngine(db.records, store, default_registry())
    engine.login("a@example.com", DEMO_PASSWORD)  # Medusa v1 -> Cognito
    engine.login("c@example.com", DEMO_PASSWORD)  # Medusa v2 -> Cognito
    engine.login("d@example.com", "correct horse")  # bcrypt -> Cognito
    db.customers.insert_account(new_customer_id(), "new@example.com")  # registered directly
    today = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for email in ids:
        _backdate(db, ids[email], created=today - timedelta(days=20), migrated=None)
    _backdate(
        db,
        ids["a@example.com"],
        created=today - timedelta(days=20),
        migrated=today - timedelta(days=2),
    )
    _backdate(
        db,
        ids["c@example.com"],
        created=today - timedelta(days=20),
        migrated=today - timedelta(days=2, hours=3),
    )
    _backdate(
        db,
        ids["d@example.com"],
        created=today - timedelta(days=20),
        migrated=today.replace(hour=0, minute=30),
    )

    report = collect_status(db, default_registry(), days=5, today=today.date())

    assert (report.accounts, report.legacy, report.cognito, report.none) == (6, 2, 4, 0)
    assert report.percent_migrated == 100 * 4 / 6
    by_format = {e.format: (e.legacy, e.weak, e.unknown) for e in report.exposure}
    assert by_format == {"acme-md5": (1, 0, 1), "medusa-v1": (1, 1, 0)}
    assert (report.weak, report.unknown_strength) == (1, 1)
    history = [
        (d.day.day, d.legacy, d.migrated, d.registered, d.migrations) for d in report.history
    ]
    # The directly registered customer was created today (real clock), after this report's "today".
    assert history == [
        (6, 5, 0, 0, 0),
        (7, 5, 0, 0, 0),
        (8, 3, 2, 0, 2),
        (9, 3, 2, 0, 0),
        (10, 2, 3, 0, 1),
    ]


def test_blocked_customers_are_listed(db: Database) -> None:
    """A legacy password the pool refuses leaves the customer blocked, and status lists them."""
    ids = _seed(db)
    store = InMemoryCredentialStore(policy=lambda p: "needs a symbol")
    MigrationEngine(db.records, store, default_registry()).login("b@example.com", DEMO_PASSWORD)
    report = collect_status(db, default_registry())
    assert report.blocked == 1
    assert [(b.id, b.email, b.legacy_format) for b in report.blocked_customers] == [
        (ids["b@example.com"], "b@example.com", "medusa-v1")
    ]
    assert report.weak == 3  # the blocked customer's Medusa v1 hash is still exposure


def test_text_rendering_has_the_figures_and_a_chart(db: Database) -> None:
    """The terminal report shows the % migrated, weak hashes and one bar per day."""
    _seed(db)
    engine = MigrationEngine(db.records, InMemoryCredentialStore(), default_registry())
    engine.login("a@example.com", DEMO_PASSWORD)
    text = render_status(collect_status(db, default_registry(), days=3))
    assert "Migrated                   20.0%" in text
    assert "(2 below the strength floor, 0 blocked)" in text
    lines = text.splitlines()
    chart = lines[lines.index("Migrations per day (UTC), last 3 days") + 1 :]
    assert len(chart) == 3
    assert chart[-1].endswith("│" + "█" * 40 + " 1")
    assert chart[0].endswith("│ 0")


def test_active_sessions_ignore_expired_and_idle_ones(db: Database) -> None:
    """Only sessions neither past their expiry nor idle beyond the idle timeout count."""
    customer_id = next(iter(_seed(db).values()))
    db.sessions.create(customer_id, "cookie", user_agent=None, ip=None)
    db.sessions.create(customer_id, "bearer", user_agent=None, ip=None)
    assert active_sessions(db) == 2
    now = db.clock
    try:
        db.clock = lambda: now() + db.session_idle + timedelta(seconds=1)
        assert active_sessions(db) == 0
    finally:
        db.clock = now


def test_cli_json(db: Database) -> None:
    """`hashless status --json` reports the same figures as a machine-readable object."""
    url = db.engine.url.render_as_string(hide_password=False)
    _seed(db)
    result = CliRunner().invoke(
        main, ["status", "--json", "--days", "2"], env={"HASHLESS_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["accounts"], data["legacy"], data["weak"], data["percent_migrated"]) == (
        5,
        5,
        3,
        0.0,
    )
    assert len(data["history"]) == 2
