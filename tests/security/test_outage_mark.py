"""The outage mark is shared by every worker and counts attempts alike (issue 12, item 2).

The timing and the real faults are in tests/reliability/test_outage_answers.py; here two
service contexts on one database stand for two worker processes.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import CredentialStoreUnavailable
from hashless.legacy import VerifierRegistry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.limits import ACCOUNT_RULE
from hashless.service.outage import OutageWatch
from hashless.service.reset_delivery import NoDelivery
from hashless.storage import Database
from tests.support import PlainSha256


def _worker(db: Database, store: InMemoryCredentialStore) -> TestClient:
    context = ServiceContext(
        engine=MigrationEngine(db.records, store, VerifierRegistry([PlainSha256()])),
        db=db,
        reset_delivery=NoDelivery(),
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    # Outage answers soon: nothing here is timed (the thread still finishes in time).
    context.guard.outage = OutageWatch(context.guard.floor, answer_seconds=0.2)
    return TestClient(create_app(context))


def _migrated(db: Database, store: InMemoryCredentialStore, email: str) -> None:
    customer_id = f"cus_{email.split('@')[0]}"
    db.customers.insert_account(customer_id, email)
    store.create(customer_id, email)
    store.set_password(customer_id, "the right password")


def test_an_outage_one_worker_found_is_answered_alike_by_the_others(db: Database) -> None:
    """Worker A finds Cognito down; worker B, which has not called it, answers an unknown
    email as A answers a migrated customer: the same 503."""
    store = InMemoryCredentialStore()
    _migrated(db, store, "ann@example.com")
    wrong = {"email": "ann@example.com", "password": "wrong password"}
    unknown = {"email": "nobody@example.com", "password": "wrong password"}
    with _worker(db, store) as a, _worker(db, store) as b:
        store.fail_next("check", CredentialStoreUnavailable("check", "down", 7))
        found = a.post("/store/auth", json=wrong)
        answered = b.post("/store/auth", json=unknown)
    assert (found.status_code, found.headers["retry-after"]) == (503, "7")
    assert (answered.status_code, answered.text, answered.headers["retry-after"]) == (
        found.status_code,
        found.text,
        found.headers["retry-after"],
    )


def test_during_an_outage_every_email_runs_into_its_limit_alike(db: Database) -> None:
    """Attempts count before they are tried, so an unknown email and a migrated customer
    whose checks all fail reach 429 at the same attempt."""
    store = InMemoryCredentialStore()
    _migrated(db, store, "ann@example.com")
    with _worker(db, store) as client:
        store.fail_next("check", CredentialStoreUnavailable("check", "down"))
        client.post("/store/auth", json={"email": "ann@example.com", "password": "x"})
        seen: dict[str, list[int]] = {}
        for email in ("ann@example.com", "nobody@example.com"):
            statuses = []
            for _ in range(ACCOUNT_RULE.free + 2):
                store.fail_next("check", CredentialStoreUnavailable("check", "down"))
                body = {"email": email, "password": "wrong password"}
                statuses.append(client.post("/store/auth", json=body).status_code)
            seen[email] = statuses
    assert seen["ann@example.com"] == seen["nobody@example.com"], seen
    assert seen["nobody@example.com"][-1] == 429, seen
