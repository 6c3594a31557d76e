"""The Medusa v1 store routes: shapes, status codes, sessions and the reset flow."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import CredentialStoreThrottled, CredentialStoreUnavailable
from hashless.storage import Database

from .conftest import CapturedDelivery, Clock

AddLegacy = Callable[[str, str], str]
CUSTOMER_KEYS = {
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "has_account",
    "billing_address_id",
    "billing_address",
    "shipping_addresses",
    "orders",
    "metadata",
    "created_at",
    "updated_at",
    "deleted_at",
}


def _register(
    client: TestClient, email: str = "ann@example.com", password: str = "ann password"
) -> dict[str, object]:
    response = client.post(
        "/store/customers", json={"email": email, "password": password, "first_name": "Ann"}
    )
    assert response.status_code == 200, response.text
    customer: dict[str, object] = response.json()["customer"]
    return customer


def test_register_returns_the_medusa_customer_and_logs_in(client: TestClient) -> None:
    """POST /store/customers answers {customer} with Medusa's keys, no hash, and a session."""
    customer = _register(client)
    assert set(customer) == CUSTOMER_KEYS
    assert str(customer["id"]).startswith("cus_") and customer["has_account"] is True
    me = client.get("/store/customers/me")
    assert me.status_code == 200 and me.json()["customer"]["id"] == customer["id"]


def test_duplicate_registration_is_a_422_duplicate_error(client: TestClient) -> None:
    """A second account for an email is Medusa's duplicate_error, whatever the case."""
    _register(client)
    response = client.post(
        "/store/customers", json={"email": "ANN@example.com", "password": "other password"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "type": "duplicate_error",
        "code": "invalid_request_error",
        "message": "A customer with the given email already has an account. Log in instead",
    }


def test_unknown_fields_are_invalid_data(client: TestClient) -> None:
    """Like Medusa's validators, unknown body fields are a 400 invalid_data."""
    response = client.post("/store/auth", json={"email": "a@b.co", "password": "x", "admin": True})
    assert response.status_code == 400 and response.json()["type"] == "invalid_data"


def test_validation_errors_never_echo_the_password(client: TestClient) -> None:
    """A refused body names the field, never its value."""
    secret = "p" * 300
    response = client.post("/store/auth", json={"email": "a@b.co", "password": secret})
    assert response.status_code == 400
    assert secret not in response.text


def test_login_sets_an_httponly_lax_cookie_and_rotates_it(client: TestClient) -> None:
    """POST /store/auth sets a fresh HttpOnly SameSite=Lax session cookie at every login."""
    _register(client)
    first = client.cookies.get("hashless_sid")
    response = client.post(
        "/store/auth", json={"email": "ann@example.com", "password": "ann password"}
    )
    assert response.status_code == 200
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    second = client.cookies.get("hashless_sid")
    assert second and second != first
    # The previous session is gone on the server.
    client.cookies.set("hashless_sid", first or "")
    assert client.get("/store/auth").status_code == 401


def test_unknown_email_and_wrong_password_answer_identically(
    client: TestClient, add_legacy: AddLegacy
) -> None:
    """Same status and body for unknown emails and wrong passwords (legacy or migrated)."""
    add_legacy("leg@example.com", "legacy password")
    _register(client)
    client.cookies.clear()
    answers = [
        client.post("/store/auth", json={"email": email, "password": "wrong password"})
        for email in ("nobody@example.com", "leg@example.com", "ann@example.com")
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1


def test_legacy_login_over_http_migrates(
    client: TestClient,
    add_legacy: AddLegacy,
    admin_headers: dict[str, str],
    store: InMemoryCredentialStore,
    db: Database,
) -> None:
    """A legacy customer's first login succeeds, moves the password, and the stats follow."""
    cid = add_legacy("leg@example.com", "legacy password")
    before = client.get("/admin/credentials/stats", headers=admin_headers).json()
    assert before == {"total": 1, "legacy": 1, "cognito": 0, "none": 0, "blocked": 0, "weak": 0}
    response = client.post(
        "/store/auth", json={"email": "leg@example.com", "password": "legacy password"}
    )
    assert response.status_code == 200 and response.json()["customer"]["id"] == cid
    after = client.get("/admin/credentials/stats", headers=admin_headers).json()
    assert after == {"total": 1, "legacy": 0, "cognito": 1, "none": 0, "blocked": 0, "weak": 0}
    assert db.customers.get(cid).legacy_hash is None  # type: ignore[union-attr]
    assert store.password_of(cid) == "legacy password"


def test_store_outage_is_503_with_retry_after(
    client: TestClient, add_legacy: AddLegacy, store: InMemoryCredentialStore, db: Database
) -> None:
    """A Cognito outage or throttle is 503 + Retry-After, never 401, and changes no row."""
    cid = add_legacy("leg@example.com", "legacy password")
    for error in (
        CredentialStoreUnavailable("create", "down"),
        CredentialStoreThrottled("create", "busy", retry_after=2),
    ):
        store.fail_next("create", error)
        response = client.post(
            "/store/auth", json={"email": "leg@example.com", "password": "legacy password"}
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == str(error.retry_after)
        assert db.customers.get(cid).credential_state == "legacy"  # type: ignore[union-attr]


def test_logout_destroys_the_session(client: TestClient) -> None:
    """DELETE /store/auth ends the session on the server, not just in the browser."""
    _register(client)
    token = client.cookies.get("hashless_sid")
    assert client.delete("/store/auth").status_code == 200
    client.cookies.set("hashless_sid", token or "")
    assert client.get("/store/auth").status_code == 401


def test_bearer_tokens_are_revocable_sessions(client: TestClient) -> None:
    """POST /store/auth/token gives a bearer token that works until it is revoked."""
    _register(client)
    client.cookies.clear()
    token = client.post(
        "/store/auth/token", json={"email": "ann@example.com", "password": "ann password"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/store/customers/me", headers=headers).status_code == 200
    assert client.delete("/store/auth", headers=headers).status_code == 200
    assert client.get("/store/customers/me", headers=headers).status_code == 401


def test_sessions_list_and_sign_out_elsewhere(client: TestClient) -> None:
    """A customer sees their sessions and can end all but the current one."""
    _register(client)
    other = client.post(
        "/store/auth/token", json={"email": "ann@example.com", "password": "ann password"}
    ).json()
    listed = client.get("/store/auth/sessions").json()["sessions"]
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert client.delete("/store/auth/sessions?keep_current=true").json() == {"revoked": 1}
    assert client.get("/store/customers/me").status_code == 200
    bearer = {"Authorization": f"Bearer {other['access_token']}"}
    assert client.get("/store/customers/me", headers=bearer).status_code == 401


def test_profile_update(client: TestClient) -> None:
    """POST /store/customers/me changes names, phone, metadata and billing address."""
    _register(client)
    response = client.post(
        "/store/customers/me",
        json={
            "last_name": "Smith",
            "phone": "+44 20 7946 0000",
            "metadata": {"tier": "gold"},
            "billing_address": {"city": "London"},
        },
    )
    customer = response.json()["customer"]
    assert (customer["last_name"], customer["metadata"], customer["billing_address"]["city"]) == (
        "Smith",
        {"tier": "gold"},
        "London",
    )


def test_password_change_right_after_login_needs_no_current_password(
    client: TestClient, store: InMemoryCredentialStore
) -> None:
    """A Medusa v1 client changes the password just after logging in; other sessions end."""
    customer = _register(client)
    other = client.post(
        "/store/auth/token", json={"email": "ann@example.com", "password": "ann password"}
    ).json()
    response = client.post("/store/customers/me", json={"password": "brand new password"})
    assert response.status_code == 200
    assert store.password_of(str(customer["id"])) == "brand new password"
    bearer = {"Authorization": f"Bearer {other['access_token']}"}
    assert client.get("/store/customers/me", headers=bearer).status_code == 401
    assert client.get("/store/customers/me").status_code == 200


def test_password_change_long_after_login_needs_the_current_password(
    client: TestClient, clock: Clock, store: InMemoryCredentialStore
) -> None:
    """Outside the re-authentication window the current password is required, and checked."""
    customer = _register(client)
    clock.advance(minutes=30)
    refused = client.post("/store/customers/me", json={"password": "brand new password"})
    assert refused.status_code == 400 and refused.json()["type"] == "not_allowed"
    wrong = client.post(
        "/store/customers/me",
        json={"password": "brand new password", "current_password": "not it at all"},
    )
    assert wrong.status_code == 400
    assert store.password_of(str(customer["id"])) == "ann password"
    ok = client.post(
        "/store/customers/me",
        json={"password": "brand new password", "current_password": "ann password"},
    )
    assert ok.status_code == 200
    assert store.password_of(str(customer["id"])) == "brand new password"


def test_email_change_needs_proof_and_moves_sign_in(client: TestClient, clock: Clock) -> None:
    """An email change needs the same proof as a password change; login follows the new email."""
    _register(client)
    clock.advance(minutes=30)
    assert client.post("/store/customers/me", json={"email": "new@example.com"}).status_code == 400
    ok = client.post(
        "/store/customers/me", json={"email": "new@example.com", "current_password": "ann password"}
    )
    assert ok.status_code == 200 and ok.json()["customer"]["email"] == "new@example.com"
    client.cookies.clear()
    assert (
        client.post(
            "/store/auth", json={"email": "new@example.com", "password": "ann password"}
        ).status_code
        == 200
    )


def test_password_reset_flow(
    client: TestClient,
    delivery: CapturedDelivery,
    add_legacy: AddLegacy,
    store: InMemoryCredentialStore,
    db: Database,
) -> None:
    """Token request is 204; the token resets once; the customer's sessions all end."""
    cid = add_legacy("leg@example.com", "legacy password")
    session = client.post(
        "/store/auth/token", json={"email": "leg@example.com", "password": "legacy password"}
    ).json()
    assert (
        client.post(
            "/store/customers/password-token", json={"email": "leg@example.com"}
        ).status_code
        == 204
    )
    (event,) = delivery.events
    assert event.customer_id == cid and len(event.token) >= 22
    body = {"email": "leg@example.com", "token": event.token, "password": "reset password 1"}
    response = client.post("/store/customers/password-reset", json=body)
    assert response.status_code == 200 and response.json()["customer"]["id"] == cid
    assert store.password_of(cid) == "reset password 1"
    again = client.post(
        "/store/customers/password-reset", json=body | {"password": "reset password 2"}
    )
    assert again.status_code == 401
    assert again.json() == {
        "type": "unauthorized",
        "message": "Invalid or expired password reset token",
    }
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    assert client.get("/store/customers/me", headers=bearer).status_code == 401


def test_reset_token_request_reveals_nothing(
    client: TestClient, delivery: CapturedDelivery
) -> None:
    """An unknown email gets the same 204 and nothing is sent."""
    response = client.post("/store/customers/password-token", json={"email": "no@example.com"})
    assert response.status_code == 204 and delivery.events == []


def test_reset_tokens_expire_after_15_minutes(
    client: TestClient, delivery: CapturedDelivery, clock: Clock
) -> None:
    """A token older than 15 minutes is refused."""
    _register(client)
    client.post("/store/customers/password-token", json={"email": "ann@example.com"})
    clock.advance(minutes=15, seconds=1)
    response = client.post(
        "/store/customers/password-reset",
        json={
            "email": "ann@example.com",
            "token": delivery.events[0].token,
            "password": "reset password 1",
        },
    )
    assert response.status_code == 401


def test_reset_token_is_bound_to_its_email(client: TestClient, delivery: CapturedDelivery) -> None:
    """A token issued for one customer cannot reset another's password."""
    _register(client, "ann@example.com")
    _register(client, "eve@example.com", "eve password")
    client.post("/store/customers/password-token", json={"email": "ann@example.com"})
    response = client.post(
        "/store/customers/password-reset",
        json={
            "email": "eve@example.com",
            "token": delivery.events[0].token,
            "password": "reset password 1",
        },
    )
    assert response.status_code == 401


def test_reset_failed_by_outage_can_be_retried_with_the_same_token(
    client: TestClient, delivery: CapturedDelivery, store: InMemoryCredentialStore
) -> None:
    """A 503 during reset gives the token back: the customer retries without a new email.

    The outage here never reached the store; one that may have is retried once its write
    window has passed (``tests/reliability/test_late_writes.py``)."""
    _register(client)
    client.post("/store/customers/password-token", json={"email": "ann@example.com"})
    body = {
        "email": "ann@example.com",
        "token": delivery.events[0].token,
        "password": "reset password 1",
    }
    store.fail_next(
        "set_password", CredentialStoreUnavailable("set_password", "down", maybe_applied=False)
    )
    assert client.post("/store/customers/password-reset", json=body).status_code == 503
    assert client.post("/store/customers/password-reset", json=body).status_code == 200


def test_email_lookup_is_off_by_default(client: TestClient) -> None:
    """GET /store/auth/{email} is a 404 unless HASHLESS_ALLOW_EMAIL_LOOKUP is on."""
    _register(client)
    assert client.get("/store/auth/ann@example.com").status_code == 404


def test_email_lookup_when_allowed(client: TestClient, context: object) -> None:
    """With the lookup allowed, it answers {exists} like Medusa."""
    context.allow_email_lookup = True  # type: ignore[attr-defined]
    _register(client)
    assert client.get("/store/auth/ANN@example.com").json() == {"exists": True}
    assert client.get("/store/auth/no@example.com").json() == {"exists": False}


def test_openapi_is_served(client: TestClient) -> None:
    """/docs and the OpenAPI document are available."""
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/store/auth",
        "/store/customers",
        "/store/customers/me",
        "/store/customers/password-token",
        "/store/customers/password-reset",
        "/admin/credentials/stats",
    } <= set(paths)


def test_emails_are_stored_lower_case_like_medusa(client: TestClient) -> None:
    """Medusa lower-cases emails on registration; so does hashless."""
    customer = _register(client, "Mixed.Case@Example.COM")
    assert customer["email"] == "mixed.case@example.com"


def test_metadata_merges_like_medusa(client: TestClient) -> None:
    """Metadata updates merge key by key; an empty string removes a key; null changes nothing."""
    _register(client)
    client.post("/store/customers/me", json={"metadata": {"a": 1, "b": 2}})
    client.post("/store/customers/me", json={"metadata": {"b": "", "c": 3}})
    response = client.post("/store/customers/me", json={"metadata": None})
    assert response.json()["customer"]["metadata"] == {"a": 1, "c": 3}


def test_metadata_is_capped_as_a_whole_with_a_clear_400(client: TestClient) -> None:
    """Small merges cannot add up to a huge customer: the merged metadata is capped in size
    and key count (400 invalid_data, in words), and a refused update changes nothing."""
    _register(client)
    chunk = "x" * 6000
    for n in range(2):
        ok = client.post("/store/customers/me", json={"metadata": {f"k{n}": chunk}})
        assert ok.status_code == 200
    too_big = client.post(
        "/store/customers/me", json={"metadata": {"k2": chunk}, "first_name": "Changed"}
    )
    assert too_big.status_code == 400, too_big.text
    body = too_big.json()
    assert body["type"] == "invalid_data"
    assert "at most 16,384 bytes" in body["message"] and 'value ""' in body["message"]
    customer = client.get("/store/customers/me").json()["customer"]
    assert set(customer["metadata"]) == {"k0", "k1"} and customer["first_name"] == "Ann"

    assert client.post("/store/customers/me", json={"metadata": {"k0": "", "k1": ""}}).is_success
    many = {f"key{n}": n for n in range(51)}
    too_many = client.post("/store/customers/me", json={"metadata": many})
    assert too_many.status_code == 400
    assert too_many.json()["message"].startswith("metadata would have 51 keys")
    many.pop("key50")
    assert client.post("/store/customers/me", json={"metadata": many}).is_success


def test_admin_metadata_updates_are_capped_too(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """The admin API merges with the same rules, so it cannot grow a customer without end."""
    customer_id = _register(client)["id"]
    response = client.post(
        f"/admin/customers/{customer_id}",
        json={"metadata": {"blob": "y" * 20000}},
        headers=admin_headers,
    )
    assert response.status_code == 400 and response.json()["type"] == "invalid_data"


def test_billing_address_gets_a_stable_id(client: TestClient) -> None:
    """A billing address gets an addr_ id (billing_address_id) that survives updates."""
    _register(client)
    first = client.post(
        "/store/customers/me",
        json={"billing_address": {"address_1": "1 Road", "country_code": "US"}},
    ).json()["customer"]
    address = first["billing_address"]
    assert address["id"].startswith("addr_") and first["billing_address_id"] == address["id"]
    assert address["country_code"] == "us"
    second = client.post(
        "/store/customers/me", json={"billing_address": {"city": "Austin"}}
    ).json()["customer"]
    assert second["billing_address"]["id"] == address["id"]
    assert second["billing_address"]["address_1"] == "1 Road"
