"""Storefront flows through @medusajs/js-sdk 2.x against a real Medusa 2.21.2 with the
hashless provider registered as ``emailpass``."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import text

from tests.medusa_v2.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    OLD_PASSWORD,
    MedusaStore,
    old_email,
    stack,
)

pytestmark = [pytest.mark.node, pytest.mark.postgres]

INVALID = "Invalid email or password"


def new_email() -> str:
    return f"new-{uuid.uuid4().hex[:10]}@example.com"


def test_old_customer_logs_in_and_is_migrated(medusa_store: MedusaStore) -> None:
    """A customer registered with Medusa's own emailpass logs in unchanged; afterwards
    Cognito holds a user named by the auth identity id and Medusa holds no hash."""
    email = old_email("first-login")
    before = medusa_store.identity(email)
    assert isinstance(before.provider_metadata.get("password"), str)
    answer = medusa_store.storefront("login", email=email, password=OLD_PASSWORD)
    assert answer["ok"], answer
    assert answer["email"] == email
    after = medusa_store.identity(email)
    assert "password" not in (after.provider_metadata or {})
    assert after.auth_identity_id in medusa_store.cognito_usernames()
    assert email not in medusa_store.cognito_usernames()
    again = medusa_store.storefront("login", email=email, password=OLD_PASSWORD)
    assert again["ok"] and again["customer_id"] == answer["customer_id"], again


def test_wrong_password_and_unknown_email_fail_alike(medusa_store: MedusaStore) -> None:
    """A wrong password (legacy or migrated) and an unknown email give Medusa's one answer."""
    email = old_email("wrong")
    wrong_legacy = medusa_store.storefront("login", email=email, password="not it")
    unknown = medusa_store.storefront("login", email=new_email(), password="not it")
    assert medusa_store.storefront("login", email=email, password=OLD_PASSWORD)["ok"]
    wrong_migrated = medusa_store.storefront("login", email=email, password="not it")
    for answer in (wrong_legacy, unknown, wrong_migrated):
        assert not answer["ok"]
        assert (answer["status"], answer["message"]) == (401, INVALID)
    with medusa_store.database.connect() as connection:
        failures = connection.execute(
            text(
                "SELECT count(*) FROM hashless.audit_event"
                " WHERE event = 'login.failed' AND detail->>'email' = :email"
            ),
            {"email": email},
        ).scalar_one()
    assert failures == 2


def test_register_log_in_and_check_out(medusa_store: MedusaStore) -> None:
    """A new customer registers, logs in, reads /store/customers/me and completes a cart
    into an order carrying their id; their password is only in Cognito."""
    email = new_email()
    registered = medusa_store.storefront(
        "register", email=email, password="a new password", first_name="New"
    )
    assert registered["ok"], registered
    identity = medusa_store.identity(email)
    assert identity.provider_metadata is None or "password" not in identity.provider_metadata
    assert identity.auth_identity_id in medusa_store.cognito_usernames()
    order = medusa_store.storefront(
        "checkout",
        email=email,
        password="a new password",
        region_id=medusa_store.seeded["region_id"],
        variant_id=medusa_store.seeded["variant_id"],
    )
    assert order["ok"], order
    assert order["order_customer_id"] == order["customer_id"] == registered["customer_id"]
    taken = medusa_store.storefront("register", email=email, password="another password")
    assert not taken["ok"]
    assert "already exists" in taken["message"]


def test_old_customer_checks_out(medusa_store: MedusaStore) -> None:
    """An old customer's first login is a checkout: migrated, and the order is theirs."""
    order = medusa_store.storefront(
        "checkout",
        email=old_email("checkout"),
        password=OLD_PASSWORD,
        region_id=medusa_store.seeded["region_id"],
        variant_id=medusa_store.seeded["variant_id"],
    )
    assert order["ok"], order
    assert order["order_customer_id"] == order["customer_id"]


def _reset_token(medusa_store: MedusaStore, email: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        tokens = medusa_store.reset_tokens(email)
        if tokens:
            return tokens[-1]
        time.sleep(0.2)
    raise AssertionError(f"no auth.password_reset event for {email}")


def test_reset_by_event_token_sets_the_password_in_cognito(medusa_store: MedusaStore) -> None:
    """Medusa's own reset: its event carries the token, ``updateProvider`` with it sets the
    new password in Cognito (the legacy hash goes); the old password stops working and
    Medusa writes no hash back."""
    email = old_email("reset")
    assert medusa_store.storefront("reset_request", email=email)["ok"]
    token = _reset_token(medusa_store, email)
    updated = medusa_store.storefront(
        "reset_update", token=token, body={"password": "a reset password"}
    )
    assert updated["ok"], updated
    identity = medusa_store.identity(email)
    assert "password" not in (identity.provider_metadata or {})
    assert identity.auth_identity_id in medusa_store.cognito_usernames()
    assert medusa_store.storefront("login", email=email, password="a reset password")["ok"]
    old = medusa_store.storefront("login", email=email, password=OLD_PASSWORD)
    assert (old["ok"], old["message"]) == (False, INVALID)
    reused = medusa_store.storefront(
        "reset_update", token=token, body={"password": "yet another one"}
    )
    assert not reused["ok"]


def test_hashless_down_is_an_outage_and_changes_nothing(medusa_store: MedusaStore) -> None:
    """With hashless stopped a login fails with an outage message, not as a wrong
    password, and the legacy hash stays; with hashless back the same login works."""
    email = old_email("outage")
    before = medusa_store.identity(email)
    medusa_store.hashless.stop()
    try:
        answer = medusa_store.storefront("login", email=email, password=OLD_PASSWORD)
    finally:
        medusa_store.hashless = stack.start_hashless(
            medusa_store.hashless_env, port=medusa_store.hashless.port
        )
    assert not answer["ok"]
    assert answer["message"] != INVALID
    assert "temporarily unavailable" in answer["message"]
    assert medusa_store.identity(email) == before
    assert before.auth_identity_id not in medusa_store.cognito_usernames()
    assert medusa_store.storefront("login", email=email, password=OLD_PASSWORD)["ok"]


def test_fifty_simultaneous_first_logins_make_one_cognito_user(
    medusa_store: MedusaStore,
) -> None:
    """50 concurrent first logins of one old customer: none reads as a wrong password,
    Cognito ends with exactly one user for them, and Medusa with no hash. (On a machine
    so loaded that a login outlives the provider's deadline, that login is an outage
    answer, which is allowed; at least most must succeed.)"""
    email = old_email("crowd")
    identity = medusa_store.identity(email)
    crowd = medusa_store.storefront("login_many", email=email, password=OLD_PASSWORD, count=50)
    assert crowd["ok"], crowd
    failures = [r["message"] for r in crowd["results"] if not r["ok"]]
    assert INVALID not in failures
    assert all("temporarily unavailable" in message for message in failures), failures
    assert len(failures) < 25, failures
    usernames = medusa_store.cognito_usernames()
    assert usernames.count(identity.auth_identity_id) == 1
    assert "password" not in (medusa_store.identity(email).provider_metadata or {})


def test_admins_log_in_as_before_and_keep_their_hash(medusa_store: MedusaStore) -> None:
    """An admin made by Medusa's CLI logs in through ``emailpass`` (Medusa's own code,
    behind the provider): the hash stays, no Cognito user appears."""
    answer = medusa_store.post(
        "/auth/user/emailpass", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert answer["token"]
    identity = medusa_store.identity(ADMIN_EMAIL)
    assert isinstance(identity.provider_metadata.get("password"), str)
    assert identity.auth_identity_id not in medusa_store.cognito_usernames()


def test_a_deleted_customer_leaves_no_cognito_user(medusa_store: MedusaStore) -> None:
    """DELETE /admin/customers/:id removes the auth identity (Medusa) and, through the
    provider's middleware, the customer's Cognito user."""
    email = old_email("deleted")
    customer = medusa_store.storefront("login", email=email, password=OLD_PASSWORD)
    assert customer["ok"], customer
    identity = medusa_store.identity(email)
    assert identity.auth_identity_id in medusa_store.cognito_usernames()
    admin = medusa_store.post(
        "/auth/user/emailpass", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )["token"]
    medusa_store.request("DELETE", f"/admin/customers/{customer['customer_id']}", token=admin)
    assert medusa_store.identity(email) is None
    deadline = time.monotonic() + 10
    while identity.auth_identity_id in medusa_store.cognito_usernames():
        assert time.monotonic() < deadline, "the Cognito user outlived its customer"
        time.sleep(0.2)


def test_an_email_change_keeps_the_cognito_username(medusa_store: MedusaStore) -> None:
    """``updateProvider`` with a reset token and a new email: the customer logs in with
    the new email, the Cognito user keeps its username and gets the new email."""
    email, new = old_email("moving"), new_email()
    assert medusa_store.storefront("login", email=email, password=OLD_PASSWORD)["ok"]
    identity = medusa_store.identity(email)
    assert medusa_store.storefront("reset_request", email=email)["ok"]
    token = _reset_token(medusa_store, email)
    moved = medusa_store.storefront("reset_update", token=token, body={"email": new})
    assert moved["ok"], moved
    assert medusa_store.identity(email) is None
    assert medusa_store.identity(new).auth_identity_id == identity.auth_identity_id
    user = medusa_store.cognito.admin_get_user(
        UserPoolId=medusa_store.pool_id, Username=identity.auth_identity_id
    )
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == new
    assert medusa_store.storefront("login", email=new, password=OLD_PASSWORD)["ok"]
