"""``hashless reconcile`` against moto: each kind of disagreement found, and repaired safely."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.cli.main import main
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import provision_pool
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import CredentialState, MigrationEngine
from hashless.ops.reconcile import (
    EMAIL,
    MISSING,
    ORPHAN,
    STALE,
    ReconcileReport,
    needs_attention,
    reconcile,
)
from hashless.storage import Database, LegacyCustomer
from tests.support import PlainSha256

LATER = datetime.now(UTC) + timedelta(hours=2)
"""A clock past the grace period, so that the moto users created now count as old."""


@dataclass
class World:
    db: Database
    cognito: CognitoIdentityProviderClient
    store: CognitoCredentialStore
    engine: MigrationEngine
    ids: dict[str, str]
    env: dict[str, str]
    """The platform's settings for the CLI."""


def _legacy(db: Database, email: str, platform: str) -> str:
    if platform == "medusa-v1":
        from tests.records.conftest import medusa_adapter

        return medusa_adapter(db).add_legacy(email, PlainSha256.encode("pw"))
    (customer_id,) = db.customers.insert_legacy(  # type: ignore[attr-defined]
        [
            LegacyCustomer(
                email=email, legacy_format="test-sha256", legacy_hash=PlainSha256.encode("pw")
            )
        ],
        new_customer_id,
    )
    return str(customer_id)


@pytest.fixture(params=["standalone", pytest.param("medusa-v1", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, cognito: CognitoIdentityProviderClient) -> World:
    """One customer of each kind: in step, orphaned, missing, drifted, stale; in hashless'
    own table (SQLite) and in Medusa v1's."""
    platform = request.param
    sqlite_db: Database = request.getfixturevalue(
        "medusa_v1_db" if platform == "medusa-v1" else "sqlite_db"
    )
    env = (
        {
            "HASHLESS_PLATFORM": "medusa-v1",
            "HASHLESS_MEDUSA_URL": "http://medusa.test",
            "HASHLESS_MEDUSA_JWT_SECRET": "a-medusa-secret-that-is-long-enough",
        }
        if platform == "medusa-v1"
        else {}
    )
    pool = provision_pool(cognito, pool_name="reconcile")
    store = CognitoCredentialStore(
        cognito, user_pool_id=pool.user_pool_id, client_id=pool.client_id
    )
    engine = MigrationEngine(sqlite_db.records, store, default_registry())
    ids: dict[str, str] = {}
    for name in ("fine", "drift"):
        ids[name] = new_customer_id()
        email = f"{name}@example.com"
        engine.register(
            ids[name],
            email,
            "a fine password",
            lambda i=ids[name], e=email: sqlite_db.customers.insert_account(i, e),
        )
    cognito.admin_update_user_attributes(
        UserPoolId=pool.user_pool_id,
        Username=ids["drift"],
        UserAttributes=[{"Name": "email", "Value": "changed-behind-our-back@example.com"}],
    )
    ids["orphan"] = new_customer_id()
    store.create(ids["orphan"], "orphan@example.com")
    ids["missing"] = new_customer_id()
    sqlite_db.customers.insert_account(ids["missing"], "missing@example.com")
    ids["stale"] = _legacy(sqlite_db, "stale@example.com", platform)
    store.create(ids["stale"], "stale@example.com")
    return World(sqlite_db, cognito, store, engine, ids, env)


def _report(world: World, *, fix: bool, now: datetime = LATER) -> ReconcileReport:
    return reconcile(
        world.db,
        world.cognito,
        world.store,
        user_pool_id=world.store.user_pool_id,
        fix=fix,
        now=now,
    )


def _run(world: World, *, fix: bool, now: datetime = LATER) -> dict[str, tuple[str, bool, bool]]:
    report = _report(world, fix=fix, now=now)
    assert report.customers == 4
    names = {v: k for k, v in world.ids.items()}
    return {names[d.username]: (d.kind, d.repairable, d.repaired) for d in report.discrepancies}


def test_every_disagreement_is_reported_and_nothing_changes_without_fix(world: World) -> None:
    """Without --fix: four findings, the pool and the table untouched."""
    assert _run(world, fix=False) == {
        "orphan": (ORPHAN, True, False),
        "missing": (MISSING, True, False),
        "drift": (EMAIL, True, False),
        "stale": (STALE, False, False),
    }
    assert world.db.records.get(world.ids["missing"]).state is CredentialState.COGNITO
    assert _run(world, fix=False)["orphan"] == (ORPHAN, True, False)


def test_fix_repairs_what_is_safe_and_leaves_the_rest(world: World) -> None:
    """--fix deletes the orphan, re-syncs the email, frees the locked-out customer to reset."""
    repaired = _run(world, fix=True)
    assert repaired == {
        "orphan": (ORPHAN, True, True),
        "missing": (MISSING, True, True),
        "drift": (EMAIL, True, True),
        "stale": (STALE, False, False),
    }
    assert _run(world, fix=False) == {"stale": (STALE, False, False)}
    missing = world.db.records.get(world.ids["missing"])
    assert missing is not None and missing.state is CredentialState.NONE
    events, _ = world.db.audit.search(event="reconcile")
    assert [(e.event, e.customer_id) for e in events] == [
        ("reconcile.credential_cleared", world.ids["missing"])
    ]


def test_a_customer_freed_by_fix_gets_back_in_by_password_reset(world: World) -> None:
    """The repaired customer's reset creates the Cognito user again, and the password then works."""
    _run(world, fix=True)
    world.engine.set_password(world.ids["missing"], "a brand new password")
    assert (
        world.engine.login("missing@example.com", "a brand new password").customer_id
        == world.ids["missing"]
    )


def test_young_cognito_users_are_never_deleted(world: World) -> None:
    """Within the grace period an orphan may be a registration in flight: reported, kept."""
    found = _run(world, fix=True, now=datetime.now(UTC))
    assert found["orphan"] == (ORPHAN, False, False)
    assert world.store.create(world.ids["orphan"], "orphan@example.com") is False  # still there


def _cli_env(world: World, store: CognitoCredentialStore, moto_endpoint: str) -> dict[str, str]:
    return {
        "COGNITO_USER_POOL_ID": store.user_pool_id,
        "COGNITO_CLIENT_ID": store.client_id,
        "COGNITO_ACCESS_KEY_ID": "testing",
        "COGNITO_SECRET_ACCESS_KEY": "testing",
        "COGNITO_ENDPOINT_URL": moto_endpoint,
        "HASHLESS_DATABASE_URL": str(world.db.engine.url),
        **world.env,
    }


def test_cli_reports_and_exits_non_zero(world: World, moto_endpoint: str) -> None:
    """`hashless reconcile --json` lists the findings; exit 1 while something needs attention."""
    env = _cli_env(world, world.store, moto_endpoint)
    result = CliRunner().invoke(main, ["reconcile", "--json"], env=env)
    assert result.exit_code == 1, result.output
    kinds = sorted(d["kind"] for d in json.loads(result.stdout)["discrepancies"])
    assert kinds == sorted([ORPHAN, MISSING, EMAIL, STALE])
    text = CliRunner().invoke(main, ["reconcile"], env=env)
    assert f"✗ {world.ids['missing']}  {MISSING}" in text.stdout


def test_needs_attention_ignores_harmless_leftovers(world: World) -> None:
    """Only a stale user under a legacy customer left: nothing needs attention."""
    report = _report(world, fix=True)
    assert needs_attention(report) is False


def test_users_hashless_did_not_make_are_never_touched(world: World) -> None:
    """A pool shared with another app: its users (django-42, an email) are counted, never
    reported or deleted; a leftover of a deleted customer with an imported id still is."""
    if world.env:
        pytest.skip("imported ids are a feature of hashless' own table (`hashless import`)")
    for username in ("django-42", "someone-else"):
        world.store.create(username, f"{username}@example.com")
    (imported,) = world.db.customers.insert_legacy(
        [
            LegacyCustomer(
                email="wp@example.com", legacy_format="test-sha256", legacy_hash="x", id="42"
            )
        ],
        new_customer_id,
    )
    world.store.create(imported, "wp@example.com")
    world.engine.delete(imported)  # its row is kept, deleted; the Cognito user lingers
    world.store.create(imported, "wp@example.com")
    report = _report(world, fix=True)
    assert report.foreign_users == 2
    assert not report.stopped and report.mismatched is None
    assert {d.username for d in report.discrepancies} == {
        world.ids[name] for name in ("orphan", "missing", "drift", "stale")
    } | {"42"}
    assert all(d.repaired for d in report.discrepancies if d.kind == ORPHAN)
    for username in ("django-42", "someone-else"):
        assert world.store.create(username, "x@example.com") is False  # still there
    assert world.store.create("42", "wp@example.com") is True  # the leftover was deleted


def _wrong_pool(world: World, cognito: CognitoIdentityProviderClient) -> CognitoCredentialStore:
    """Five more migrated customers; then a second, empty pool, as if its id were given."""
    for n in range(5):
        customer_id, email = new_customer_id(), f"c{n}@example.com"
        world.engine.register(
            customer_id,
            email,
            "a fine password",
            lambda i=customer_id, e=email: world.db.customers.insert_account(i, e),
        )
    other = provision_pool(cognito, pool_name="staging")
    return CognitoCredentialStore(
        cognito, user_pool_id=other.user_pool_id, client_id=other.client_id
    )


def test_fix_changes_nothing_when_most_customers_look_missing(
    world: World, moto_endpoint: str
) -> None:
    """A wrong pool id: every migrated customer looks missing. --fix stops, says why, changes
    nothing, exits 1; --mass-repair goes ahead."""
    wrong = _wrong_pool(world, world.cognito)
    env = _cli_env(world, wrong, moto_endpoint)
    result = CliRunner().invoke(main, ["reconcile", "--fix"], env=env)
    assert result.exit_code == 1, result.output
    assert "changed nothing: 8 of 8 customers marked as in Cognito" in result.stderr
    assert "--mass-repair" in result.stderr and wrong.user_pool_id in result.stderr
    states = {r.customer_id: r.state for r in map(world.db.records.get, world.ids.values()) if r}
    assert states[world.ids["fine"]] is CredentialState.COGNITO
    assert world.db.audit.search(event="reconcile")[0] == []

    forced = CliRunner().invoke(main, ["reconcile", "--fix", "--mass-repair"], env=env)
    assert forced.exit_code == 0, forced.output
    fine = world.db.records.get(world.ids["fine"])
    assert fine is not None and fine.state is CredentialState.NONE


def test_fix_does_not_empty_a_pool_that_belongs_to_another_database(world: World) -> None:
    """The pool of another environment (its cus_ users unknown here): nothing is deleted."""
    for _ in range(3):
        world.store.create(new_customer_id(), "elsewhere@example.com")
    report = _report(world, fix=True)
    assert report.stopped and report.mismatched
    assert "4 of 7 hashless users in the pool have no live customer" in report.mismatched
    assert not any(d.repaired for d in report.discrepancies)
    assert needs_attention(report)


def test_dry_run_warns_of_a_wrong_pool(world: World, moto_endpoint: str) -> None:
    """Without --fix, a pool where most migrated customers look missing is named as the
    likely cause (before the operator reaches for --fix), and nothing changes."""
    wrong = _wrong_pool(world, world.cognito)
    result = CliRunner().invoke(main, ["reconcile"], env=_cli_env(world, wrong, moto_endpoint))
    assert result.exit_code == 1, result.output
    assert "warning: 8 of 8 customers marked as in Cognito" in result.stderr
    assert "wrong pool" in result.stderr and wrong.user_pool_id in result.stderr
    fine = world.db.records.get(world.ids["fine"])
    assert fine is not None and fine.state is CredentialState.COGNITO
