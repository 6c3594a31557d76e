"""The whole path, HTTP to Cognito (moto) and back, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import provision_pool
from hashless.demo.emulator import EMULATOR_CREDENTIALS, running_emulator
from hashless.demo.run import DEMO_CUSTOMERS, DEMO_PASSWORD
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.storage import Database, LegacyCustomer
from tests.service.conftest import ADMIN_TOKEN, CapturedDelivery

ADMIN = {"x-medusa-access-token": ADMIN_TOKEN}


@pytest.fixture(scope="module")
def cognito() -> Iterator[CognitoIdentityProviderClient]:
    with running_emulator() as endpoint:
        yield make_cognito_client(
            region="eu-west-1",
            endpoint_url=endpoint,
            max_attempts=1,
            access_key_id=EMULATOR_CREDENTIALS.access_key_id,
            secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
        )


@pytest.fixture(params=[False, True], ids=["no-secret", "secret"])
def store(
    request: pytest.FixtureRequest, cognito: CognitoIdentityProviderClient
) -> CognitoCredentialStore:
    pool = provision_pool(cognito, pool_name="it", generate_secret=request.param)
    return CognitoCredentialStore(
        cognito,
        user_pool_id=pool.user_pool_id,
        client_id=pool.client_id,
        client_secret=pool.client_secret,
    )


@pytest.fixture
def delivery() -> CapturedDelivery:
    return CapturedDelivery()


@pytest.fixture
def client(
    db: Database, store: CognitoCredentialStore, delivery: CapturedDelivery
) -> Iterator[TestClient]:
    db.customers.insert_legacy(DEMO_CUSTOMERS, new_customer_id)
    context = ServiceContext(
        engine=MigrationEngine(db.records, store, default_registry()),
        db=db,
        reset_delivery=delivery,
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    with TestClient(create_app(context)) as test_client:
        yield test_client


def _cognito_user(
    store: CognitoCredentialStore, cognito: CognitoIdentityProviderClient, customer_id: str
) -> bool:
    try:
        cognito.admin_get_user(UserPoolId=store.user_pool_id, Username=customer_id)
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


@pytest.mark.parametrize("email", ["legacy-v1@example.com", "legacy-v2@example.com"])
def test_medusa_legacy_customer_migrates_on_first_login(
    client: TestClient,
    db: Database,
    store: CognitoCredentialStore,
    cognito: CognitoIdentityProviderClient,
    email: str,
) -> None:
    """A Medusa v1/v2 customer logs in, its password moves to Cognito and its hash is gone."""
    assert (
        client.post("/store/auth", json={"email": email, "password": "wrong-password"}).status_code
        == 401
    )
    response = client.post("/store/auth", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    customer_id = response.json()["customer"]["id"]
    row = db.customers.get(customer_id)
    assert row is not None and row.legacy_hash is None and row.credential_state == "cognito"
    assert _cognito_user(store, cognito, customer_id)
    stats = client.get("/admin/credentials/stats", headers=ADMIN).json()
    assert (stats["legacy"], stats["cognito"]) == (1, 1)
    # From now on Cognito decides.
    client.cookies.clear()
    assert (
        client.post("/store/auth", json={"email": email, "password": DEMO_PASSWORD}).status_code
        == 200
    )
    assert (
        client.post("/store/auth", json={"email": email, "password": "wrong-password"}).status_code
        == 401
    )


def test_account_lifecycle_against_cognito(
    client: TestClient,
    delivery: CapturedDelivery,
    store: CognitoCredentialStore,
    cognito: CognitoIdentityProviderClient,
) -> None:
    """Register, change password, reset by token, change email, delete: Cognito follows each."""
    created = client.post(
        "/store/customers", json={"email": "new@example.com", "password": "first password"}
    )
    assert created.status_code == 200, created.text
    customer_id = created.json()["customer"]["id"]
    assert _cognito_user(store, cognito, customer_id)

    assert (
        client.post("/store/customers/me", json={"password": "second password"}).status_code == 200
    )
    client.cookies.clear()
    assert (
        client.post(
            "/store/auth", json={"email": "new@example.com", "password": "first password"}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/store/auth", json={"email": "new@example.com", "password": "second password"}
        ).status_code
        == 200
    )

    client.post("/store/customers/password-token", json={"email": "new@example.com"})
    token = delivery.events[-1].token
    reset = client.post(
        "/store/customers/password-reset",
        json={"email": "new@example.com", "token": token, "password": "third password"},
    )
    assert reset.status_code == 200
    assert (
        client.post(
            "/store/auth", json={"email": "new@example.com", "password": "third password"}
        ).status_code
        == 200
    )

    changed = client.post("/store/customers/me", json={"email": "renamed@example.com"})
    assert changed.status_code == 200
    attributes = cognito.admin_get_user(UserPoolId=store.user_pool_id, Username=customer_id)
    emails = [a["Value"] for a in attributes["UserAttributes"] if a["Name"] == "email"]
    assert emails == ["renamed@example.com"]

    assert client.delete(f"/admin/customers/{customer_id}", headers=ADMIN).status_code == 200
    assert not _cognito_user(store, cognito, customer_id)


def test_password_refused_by_the_pool_keeps_the_customer_working(
    client: TestClient,
    db: Database,
    store: CognitoCredentialStore,
    cognito: CognitoIdentityProviderClient,
) -> None:
    """A legacy password shorter than the pool's minimum logs in, stays legacy, is blocked."""
    # npm scrypt-kdf 4.0.0: Scrypt.kdf("short1", {logN: 1, r: 1, p: 1}), base64.
    encoded = (
        "c2NyeXB0AAEAAAABAAAAAY2IB5nvl1PpFzRLg07uXsfaX0TNy3XMSxeS+5yKLmqLIwIBGgFVXsIwtxj4"
        "m3U469qidpCP7NozmAoA33yjPAhAr2SzivG7WZenVoI18w41"
    )
    password = "short1"
    (customer_id,) = db.customers.insert_legacy(
        [LegacyCustomer(email="short@example.com", legacy_format="medusa-v1", legacy_hash=encoded)],
        new_customer_id,
    )
    response = client.post("/store/auth", json={"email": "short@example.com", "password": password})
    assert response.status_code == 200
    assert db.customers.get(customer_id).credential_state == "legacy"  # type: ignore[union-attr]
    assert not _cognito_user(store, cognito, customer_id)
    assert client.get("/admin/credentials/stats", headers=ADMIN).json()["blocked"] == 1
