"""The credential routes in medusa-v1 mode, on Medusa's own ``customer`` rows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.storage import Database
from tests.service.conftest import ADMIN_TOKEN, CapturedDelivery

from .conftest import AddMedusa, medusa_row

pytestmark = pytest.mark.postgres

ADMIN = {"x-medusa-access-token": ADMIN_TOKEN}


def test_a_medusa_customer_logs_in_and_migrates(
    client: TestClient,
    add_medusa: AddMedusa,
    store: InMemoryCredentialStore,
    medusa_v1_db: Database,
) -> None:
    """A customer Medusa registered logs in through hashless with the Medusa password:
    Cognito gets it, Medusa's ``password_hash`` is NULL, the answer is Medusa's row."""
    cid = add_medusa("ann@example.com", "medusa password", first_name="Ann")
    response = client.post(
        "/store/auth", json={"email": "ANN@example.com", "password": "medusa password"}
    )
    assert response.status_code == 200, response.text
    customer = response.json()["customer"]
    assert customer["id"] == cid and customer["first_name"] == "Ann"
    assert "password_hash" not in customer
    assert store.password_of(cid) == "medusa password"
    assert medusa_row(medusa_v1_db, cid)["password_hash"] is None
    assert client.get("/store/auth").json()["customer"]["id"] == cid
    assert client.delete("/store/auth").status_code == 200
    assert client.get("/store/auth").status_code == 401
    wrong = client.post("/store/auth", json={"email": "ann@example.com", "password": "nope"})
    assert wrong.status_code == 401


def test_guests_and_deleted_customers_cannot_log_in(
    client: TestClient, add_medusa: AddMedusa
) -> None:
    """As in Medusa: only has_account rows that are not deleted are accounts."""
    add_medusa("guest@example.com", "guest password", has_account=False)
    add_medusa("gone@example.com", "gone password", deleted_at="2026-01-01T00:00:00Z")
    for email, password in (
        ("guest@example.com", "guest password"),
        ("gone@example.com", "gone password"),
    ):
        answer = client.post("/store/auth", json={"email": email, "password": password})
        assert answer.status_code == 401


def test_token_is_a_revocable_hashless_session(client: TestClient, add_medusa: AddMedusa) -> None:
    """POST /store/auth/token gives a hashless bearer session, not a Medusa JWT, and
    ending it ends it at once."""
    cid = add_medusa("ann@example.com", "medusa password")
    token = client.post(
        "/store/auth/token", json={"email": "ann@example.com", "password": "medusa password"}
    ).json()["access_token"]
    assert token.count(".") != 2, "not a JWT"
    bearer = {"authorization": f"Bearer {token}"}
    client.cookies.clear()
    assert client.get("/store/auth", headers=bearer).json()["customer"]["id"] == cid
    assert client.delete("/store/auth", headers=bearer).status_code == 200
    assert client.get("/store/auth", headers=bearer).status_code == 401


def test_registration_writes_medusas_row_without_any_hash(
    client: TestClient, store: InMemoryCredentialStore, medusa_v1_db: Database
) -> None:
    """POST /store/customers creates Medusa's account row (cus_<ULID>, lower-cased email,
    password_hash NULL), logs in, and stages Medusa's customer.created with no hash."""
    response = client.post(
        "/store/customers",
        json={"email": "New@Example.com", "password": "new password", "first_name": "Nia"},
    )
    assert response.status_code == 200, response.text
    customer = response.json()["customer"]
    cid = customer["id"]
    assert cid.startswith("cus_") and len(cid) == 30
    row = medusa_row(medusa_v1_db, cid)
    assert row["email"] == "new@example.com" and row["has_account"] is True
    assert row["password_hash"] is None and row["first_name"] == "Nia"
    assert store.password_of(cid) == "new password"
    with medusa_v1_db.engine.connect() as connection:
        (event,) = connection.execute(text("SELECT event_name, data FROM staged_job")).all()
    assert event.event_name == "customer.created" and event.data["id"] == cid
    assert "password_hash" not in event.data
    assert client.get("/store/auth").json()["customer"]["id"] == cid
    again = client.post(
        "/store/customers", json={"email": "new@example.com", "password": "other password"}
    )
    assert again.status_code == 422 and again.json()["type"] == "duplicate_error"


def test_a_guest_with_the_email_does_not_block_registration(
    client: TestClient, add_medusa: AddMedusa
) -> None:
    """Medusa keeps a guest row beside the account with the same email."""
    add_medusa("ann@example.com", None, has_account=False)
    response = client.post(
        "/store/customers", json={"email": "ann@example.com", "password": "ann password"}
    )
    assert response.status_code == 200, response.text


def test_email_lookup_sees_medusas_accounts(
    client: TestClient, add_medusa: AddMedusa, medusa_context: object
) -> None:
    """GET /store/auth/{email} answers from Medusa's table when the lookup is on."""
    medusa_context.allow_email_lookup = True  # type: ignore[attr-defined]
    add_medusa("ann@example.com", "medusa password")
    assert client.get("/store/auth/ann@example.com").json() == {"exists": True}
    assert client.get("/store/auth/bob@example.com").json() == {"exists": False}


def test_reset_sets_the_password_in_cognito_and_empties_medusas_hash(
    client: TestClient,
    add_medusa: AddMedusa,
    delivery: CapturedDelivery,
    store: InMemoryCredentialStore,
    medusa_v1_db: Database,
) -> None:
    """password-token then password-reset on a legacy Medusa customer: the new password
    is Cognito's, the old Medusa one no longer works, Medusa's column is NULL."""
    cid = add_medusa("ann@example.com", "medusa password")
    assert (
        client.post(
            "/store/customers/password-token", json={"email": "ann@example.com"}
        ).status_code
        == 204
    )
    (event,) = delivery.events
    response = client.post(
        "/store/customers/password-reset",
        json={"email": "ann@example.com", "token": event.token, "password": "brand new password"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["customer"]["id"] == cid
    assert store.password_of(cid) == "brand new password"
    assert medusa_row(medusa_v1_db, cid)["password_hash"] is None
    old = client.post(
        "/store/auth", json={"email": "ann@example.com", "password": "medusa password"}
    )
    assert old.status_code == 401


def test_password_change_on_me(
    client: TestClient,
    add_medusa: AddMedusa,
    store: InMemoryCredentialStore,
    medusa_v1_db: Database,
) -> None:
    """A password in POST /store/customers/me (within the re-authentication window)
    becomes the Cognito password; names are written to Medusa's row."""
    cid = add_medusa("ann@example.com", "medusa password")
    client.post("/store/auth", json={"email": "ann@example.com", "password": "medusa password"})
    response = client.post(
        "/store/customers/me", json={"password": "changed password", "first_name": "Anna"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["customer"]["first_name"] == "Anna"
    assert store.password_of(cid) == "changed password"
    assert medusa_row(medusa_v1_db, cid)["first_name"] == "Anna"


def test_admin_stats_count_medusas_customers(client: TestClient, add_medusa: AddMedusa) -> None:
    """/admin/credentials/stats counts Medusa's accounts by where their password is."""
    add_medusa("ann@example.com", "medusa password")
    add_medusa("bob@example.com", "bob password")
    add_medusa("nopass@example.com", None)
    add_medusa("guest@example.com", "guest password", has_account=False)
    client.post("/store/auth", json={"email": "bob@example.com", "password": "bob password"})
    stats = client.get("/admin/credentials/stats", headers=ADMIN).json()
    assert stats == {"total": 3, "legacy": 1, "cognito": 1, "none": 1, "blocked": 0, "weak": 1}


def test_profile_reads_are_medusas_and_addresses_are_not_written(
    client: TestClient, add_medusa: AddMedusa
) -> None:
    """GET /store/customers/me is not hashless' in this mode (Medusa answers it through
    the pass-through); a billing address is refused, not half-written."""
    add_medusa("ann@example.com", "medusa password")
    client.post("/store/auth", json={"email": "ann@example.com", "password": "medusa password"})
    assert client.get("/store/customers/me").status_code in (404, 405)
    response = client.post(
        "/store/customers/me", json={"billing_address": {"address_1": "Main St 1"}}
    )
    assert response.status_code == 400 and response.json()["type"] == "invalid_data"
    assert "billing_address" in response.json()["message"]


def test_the_answer_carries_medusas_addresses(
    client: TestClient, add_medusa: AddMedusa, medusa_v1_db: Database
) -> None:
    """The customer in a login answer has Medusa's billing address and its live shipping
    addresses, as Medusa's own answer lists them."""
    cid = add_medusa("ann@example.com", "medusa password")
    with medusa_v1_db.engine.begin() as connection:
        for address_id, deleted in (("addr_1", None), ("addr_2", None), ("addr_3", "2026-01-01")):
            connection.execute(
                text(
                    "INSERT INTO public.address (id, customer_id, city, country_code, deleted_at)"
                    " VALUES (:id, :cid, 'Utrecht', 'nl', :deleted)"
                ),
                {"id": address_id, "cid": cid, "deleted": deleted},
            )
        connection.execute(
            text("UPDATE public.customer SET billing_address_id = 'addr_1' WHERE id = :cid"),
            {"cid": cid},
        )
    customer = client.post(
        "/store/auth", json={"email": "ann@example.com", "password": "medusa password"}
    ).json()["customer"]
    assert customer["billing_address_id"] == "addr_1"
    assert customer["billing_address"]["city"] == "Utrecht"
    assert sorted(a["id"] for a in customer["shipping_addresses"]) == ["addr_1", "addr_2"]
