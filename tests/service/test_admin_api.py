"""The admin routes behind HASHLESS_ADMIN_TOKEN."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.storage import Database

AddLegacy = Callable[[str, str], str]


def test_admin_routes_need_the_token(client: TestClient, admin_headers: dict[str, str]) -> None:
    """Without the token, or with a wrong one, every admin route is 401."""
    assert client.get("/admin/customers").status_code == 401
    assert (
        client.get("/admin/customers", headers={"x-medusa-access-token": "nope"}).status_code == 401
    )
    assert client.get("/admin/customers", headers=admin_headers).status_code == 200
    bearer = {"Authorization": f"Bearer {admin_headers['x-medusa-access-token']}"}
    assert client.get("/admin/credentials/stats", headers=bearer).status_code == 200


def test_list_get_update_delete(
    client: TestClient,
    admin_headers: dict[str, str],
    add_legacy: AddLegacy,
    store: InMemoryCredentialStore,
    db: Database,
) -> None:
    """Administrators list, read, update and delete customers; delete ends sessions too."""
    cid = add_legacy("leg@example.com", "legacy password")
    token = client.post(
        "/store/auth/token", json={"email": "leg@example.com", "password": "legacy password"}
    ).json()
    listed = client.get("/admin/customers?q=leg", headers=admin_headers).json()
    assert listed["count"] == 1 and listed["customers"][0]["credential_state"] == "cognito"
    updated = client.post(
        f"/admin/customers/{cid}",
        headers=admin_headers,
        json={"first_name": "Lea", "email": "lea@example.com"},
    ).json()
    assert updated["customer"]["first_name"] == "Lea"
    assert store.email_of(cid) == "lea@example.com"
    deleted = client.delete(f"/admin/customers/{cid}", headers=admin_headers)
    assert deleted.json() == {"id": cid, "object": "customer", "deleted": True}
    assert not store.has_user(cid)
    assert client.get(f"/admin/customers/{cid}", headers=admin_headers).status_code == 404
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/store/customers/me", headers=bearer).status_code == 401


def test_end_a_customers_sessions(
    client: TestClient, admin_headers: dict[str, str], add_legacy: AddLegacy
) -> None:
    """An administrator can sign a customer out everywhere."""
    cid = add_legacy("leg@example.com", "legacy password")
    client.post("/store/auth", json={"email": "leg@example.com", "password": "legacy password"})
    assert client.delete(f"/admin/customers/{cid}/sessions", headers=admin_headers).json() == {
        "revoked": 1
    }
    assert client.get("/store/auth").status_code == 401


def test_stats_count_blocked_legacy_customers(
    client: TestClient, admin_headers: dict[str, str], add_legacy: AddLegacy
) -> None:
    """A legacy customer whose password the pool refused is counted under blocked."""
    add_legacy("weak@example.com", "weakpw12")
    add_legacy("fine@example.com", "fine password")
    assert (
        client.post(
            "/store/auth", json={"email": "weak@example.com", "password": "weakpw12"}
        ).status_code
        == 200
    )
    stats = client.get("/admin/credentials/stats", headers=admin_headers).json()
    assert stats == {"total": 2, "legacy": 2, "cognito": 0, "none": 0, "blocked": 1, "weak": 0}
