"""The crash matrix: every credential flow, failed after each of its steps in turn.

Each case fails the flow right after one step, either by the exception that system
raises when its answer is lost (in this process) or by killing the process that runs
the service (a forked child, ``os._exit``: nothing of ours cleans up). The database is
a file SQLite or PostgreSQL, Cognito a moto_server process; both outlive the crash.
After it, with a clean service over the same data:

- every account customer still has a working credential (a legacy hash, or a
  confirmed Cognito user);
- the customer gets in with the credential the flow left in effect, and with no other;
- running the flow again succeeds: nothing left behind blocks it, once the claim of a
  password write cut short has passed (engine rule 6; a few seconds here).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.provision import ProvisionedPool
from hashless.migration.records import CredentialState
from hashless.service import create_app
from hashless.service.outage import OUTAGE_KEY
from hashless.storage import Database, create_database_engine
from hashless.storage.records import live_accounts, to_record
from tests.reliability.conftest import quick_cognito_client
from tests.reliability.faults import CRASH_EXIT, CrashPlan, in_child_process
from tests.reliability.flows import (
    CASES,
    FLOWS,
    WRONG,
    Attempt,
    Credential,
    Flow,
    World,
    log_in,
    send,
    service,
)

DOCUMENT = Path(__file__).parents[2] / "docs" / "reliability.md"

SWALLOWED = {
    # The record is already deleted; the leftover user is reconcile's business.
    "cognito.AdminDeleteUser",
}
"""Steps whose failure the service absorbs on purpose: the request still succeeds."""


@pytest.fixture
def world(
    db: Database, moto_cognito: CognitoIdentityProviderClient, pool: ProvisionedPool
) -> World:
    return World(db, moto_cognito, pool)


def _case_id(case: object) -> str:
    return re.sub(r"[^a-z0-9.:]+", "-", str(case).lower()).strip("-")


CASE_IDS = [_case_id(f"{flow} after {step}") for flow, step in CASES]


def assert_every_account_has_a_credential(world: World) -> set[str]:
    """Each live account customer has a legacy hash or a confirmed Cognito user."""
    users = world.cognito_users()
    with world.db.sessions_factory() as session:
        records = [to_record(row) for row in session.scalars(live_accounts())]
    for record in records:
        if record.state is CredentialState.LEGACY:
            assert record.legacy_hash, record
        else:
            assert record.state is CredentialState.COGNITO, record
            assert users.get(record.customer_id) == "CONFIRMED", record
    return {record.customer_id for record in records}


def after_every_claim() -> datetime:
    """A clock past any claim the crash left: the write it covered cannot land now."""
    return datetime.now(UTC) + timedelta(minutes=1)


def assert_recovered(world: World, flow: Flow, attempt: Attempt, took_effect: bool) -> None:
    live = assert_every_account_has_a_credential(world)
    unused = set(world.cognito_users()) - live
    if not flow.leaves_unused_store_user:
        assert not unused, "a Cognito user left under no live customer"
    expected = attempt.after if took_effect else attempt.before
    # A lost Cognito answer marked the store unavailable, so unsuccessful logins would
    # answer 503 until Cognito answers again (tests/reliability/test_outage_answers.py);
    # here the outage is over and the wrong credentials must read as wrong.
    world.db.throttle.forget(OUTAGE_KEY)
    context = service(world.db, world.store(), clock=after_every_claim)
    with TestClient(create_app(context), raise_server_exceptions=False) as client:
        # The credentials that must not work are tried first: they change nothing.
        for other in (attempt.before, attempt.after):
            if other is not None and other != expected:
                assert log_in(client, other) == 401, other
        if expected is not None:
            assert log_in(client, Credential(expected.email, WRONG)) == 401
            assert log_in(client, expected) == 200, expected
        attempt.retry(world, client, took_effect)
        if attempt.after is not None:
            assert log_in(client, attempt.after) == 200
        if attempt.before not in (None, attempt.after):
            assert log_in(client, attempt.before) == 401
    assert_every_account_has_a_credential(world)


@pytest.mark.parametrize(("flow", "step"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_exception_after_step(world: World, flow: Flow, step: str) -> None:
    """The system's answer is lost after the step: an error answer, and nothing is lost.

    On SQLite only: what the backend does with a raised exception (SQLAlchemy rolls the
    transaction back) does not differ; what a dead client leaves does, and the process
    deaths run on both.
    """
    attempt = flow.prepare(world)
    plan = CrashPlan(at=step)
    response = send(service(world.db, world.store(), plan), attempt.request)
    assert plan.fired, f"{step} was never reached"
    if step in SWALLOWED:
        assert response.status_code == 200
    elif step.startswith("cognito."):
        assert response.status_code == 503 and response.headers["retry-after"]
    else:
        assert response.status_code == 500
    assert_recovered(world, flow, attempt, flow.took_effect(step))


@pytest.mark.parametrize(("flow", "step"), CASES, ids=CASE_IDS)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child process")
def test_process_death_after_step(world: World, moto_url: str, flow: Flow, step: str) -> None:
    """The process serving the flow dies after the step; a new one finds nothing lost."""
    attempt = flow.prepare(world)
    url = world.db.engine.url.render_as_string(hide_password=False)
    world.db.engine.dispose()  # no connection of ours may cross the fork

    def serve_and_die() -> None:
        db = Database(create_database_engine(url, pool_size=2))
        store = world.store(quick_cognito_client(moto_url))
        send(service(db, store, CrashPlan(at=step, death=True)), attempt.request)

    assert in_child_process(serve_and_die) == CRASH_EXIT, f"{step} was never reached"
    assert_recovered(world, flow, attempt, flow.took_effect(step))


@pytest.mark.parametrize("flow", FLOWS, ids=_case_id)
def test_the_matrix_lists_every_step_of_the_flow(world: World, flow: Flow) -> None:
    """Run uninterrupted, each flow passes through exactly the steps the matrix lists."""
    attempt = flow.prepare(world)
    plan = CrashPlan()
    response = send(service(world.db, world.store(), plan), attempt.request)
    assert response.status_code == 200, response.text
    assert tuple(plan.reached) == flow.steps
    assert_recovered(world, flow, attempt, took_effect=True)


_ROW = re.compile(
    r"^\| (?P<flow>[^|]+?) \| (?P<bold>\*\*)?`(?P<step>[^`]+)`(?:\*\*)? \|.*\| `(?P<id>[^`]+)` \|$",
    re.MULTILINE,
)


def test_the_document_has_a_row_for_every_step() -> None:
    """docs/reliability.md has one matrix row per (flow, step), in order, with its test
    id, and marks each flow's decisive step in bold."""
    rows = [
        (row["flow"], row["step"], bool(row["bold"]), row["id"])
        for row in _ROW.finditer(DOCUMENT.read_text())
    ]
    assert rows == [
        (flow.name, step, step == flow.decisive, case_id)
        for (flow, step), case_id in zip(CASES, CASE_IDS, strict=True)
    ]


_BY_NAME = {flow.name: flow for flow in FLOWS}


@pytest.mark.parametrize(
    ("flow", "step"),
    [
        (_BY_NAME["change password"], "cognito.AdminSetUserPassword"),
        (_BY_NAME["reset (legacy customer)"], "db.commit#2"),
    ],
    ids=_case_id,
)
def test_other_sessions_end_even_if_the_change_is_cut_short(
    world: World, flow: Flow, step: str
) -> None:
    """A password change that took effect ends the customer's other sessions, crash or not."""
    attempt = flow.prepare(world)
    record = world.db.records.find_by_email(world.email)
    assert record is not None
    elsewhere = world.session_cookie(record.customer_id)
    send(service(world.db, world.store(), CrashPlan(at=step)), attempt.request)
    with TestClient(create_app(service(world.db, world.store()))) as client:
        assert client.get("/store/customers/me", headers=elsewhere).status_code == 401
