"""Every authentication attempt and account change leaves an audit row, readable by admins."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from .conftest import CapturedDelivery

AddLegacy = Callable[[str, str], str]


def _events(client: TestClient, headers: dict[str, str], **filters: str) -> list[dict[str, object]]:
    response = client.get("/admin/audit-events", headers=headers, params=filters)
    assert response.status_code == 200, response.text
    events: list[dict[str, object]] = response.json()["events"]
    return events


def test_flows_are_audited(
    client: TestClient,
    admin_headers: dict[str, str],
    add_legacy: AddLegacy,
    delivery: CapturedDelivery,
) -> None:
    """Login outcomes, migration, changes, reset, revocation and delete are all recorded."""
    cid = add_legacy("leg@example.com", "legacy password")
    client.post("/store/auth", json={"email": "leg@example.com", "password": "wrong password"})
    client.post("/store/auth", json={"email": "leg@example.com", "password": "legacy password"})
    client.post("/store/customers/me", json={"password": "changed password"})
    client.post("/store/customers/me", json={"email": "lea@example.com"})
    client.post("/store/customers/password-token", json={"email": "lea@example.com"})
    client.post(
        "/store/customers/password-reset",
        json={
            "email": "lea@example.com",
            "token": delivery.events[-1].token,
            "password": "reset password",
        },
    )
    client.post("/store/auth", json={"email": "lea@example.com", "password": "reset password"})
    client.delete("/store/auth/sessions")
    client.delete(f"/admin/customers/{cid}", headers=admin_headers)

    names = [e["event"] for e in reversed(_events(client, admin_headers))]
    assert names == [
        "login.failed",
        "migration.succeeded",
        "login.succeeded",
        "password.changed",
        "email.changed",
        "password.reset_requested",
        "password.reset",
        "login.succeeded",
        "sessions.revoked",
        "customer.deleted",
    ]
    mine = _events(client, admin_headers, customer_id=cid)
    assert {e["event"] for e in mine} >= {
        "migration.succeeded",
        "password.reset",
        "customer.deleted",
    }
    assert all(e["request_id"] for e in mine if e["actor"] != "system")


def test_audit_filters(
    client: TestClient, admin_headers: dict[str, str], add_legacy: AddLegacy
) -> None:
    """Admins filter by event prefix and outcome; the failed login names no password."""
    add_legacy("leg@example.com", "legacy password")
    client.post("/store/auth", json={"email": "leg@example.com", "password": "wrong password"})
    client.post("/store/auth", json={"email": "leg@example.com", "password": "legacy password"})
    logins = _events(client, admin_headers, event="login")
    assert [e["outcome"] for e in logins] == ["success", "failure"]
    failed = _events(client, admin_headers, event="login.failed")
    assert len(failed) == 1 and "wrong password" not in str(failed[0])
    assert _events(client, admin_headers, outcome="blocked") == []
