"""Sessions and account rules (ASVS V7, V3.3, 6.2): tokens, timeouts, cookies, proofs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hashless.service import ServiceContext, create_app
from hashless.storage import Database
from hashless.storage.models import CustomerSession
from hashless.tokens import token_hash
from tests.service.conftest import Clock


def _register(client: TestClient, email: str = "ann@example.com") -> str:
    response = client.post("/store/customers", json={"email": email, "password": "ann password"})
    assert response.status_code == 200, response.text
    return str(response.json()["customer"]["id"])


def test_tokens_carry_256_bits_and_only_their_hash_is_stored(
    client: TestClient, db: Database
) -> None:
    """A session token is 43 URL-safe characters (256 bits); the database holds its SHA-256."""
    _register(client)
    token = client.cookies.get("hashless_sid") or ""
    assert len(token) == 43
    with db.sessions_factory() as session:
        stored = session.scalars(select(CustomerSession.token_hash)).all()
    assert stored == [token_hash(token)] and token not in stored


def test_idle_timeout(client: TestClient, context: ServiceContext, clock: Clock) -> None:
    """A session unused for longer than the idle timeout is dead."""
    _register(client)
    idle = context.db.sessions.idle
    clock.advance(seconds=idle.total_seconds() - 60)
    assert client.get("/store/auth").status_code == 200  # use resets the idle clock
    clock.advance(seconds=idle.total_seconds() - 60)
    assert client.get("/store/auth").status_code == 200
    clock.advance(seconds=idle.total_seconds() + 1)
    assert client.get("/store/auth").status_code == 401


def test_absolute_timeout(client: TestClient, context: ServiceContext, clock: Clock) -> None:
    """Even a session in constant use ends at the absolute timeout."""
    _register(client)
    step = context.db.sessions.idle.total_seconds() / 2
    elapsed = 0.0
    while elapsed + step < context.db.sessions.absolute.total_seconds():
        clock.advance(seconds=step)
        elapsed += step
        assert client.get("/store/auth").status_code == 200
    clock.advance(seconds=step)
    assert client.get("/store/auth").status_code == 401


@pytest.fixture
def secure_client(context: ServiceContext) -> Iterator[TestClient]:
    context.cookie_secure = True
    with TestClient(create_app(context), base_url="https://shop.example") as client:
        yield client


def test_cookie_over_https_uses_the_host_prefix(secure_client: TestClient) -> None:
    """Over HTTPS the cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain."""
    response = secure_client.post(
        "/store/customers", json={"email": "ann@example.com", "password": "ann password"}
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-hashless_sid=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= attributes
    assert "domain" not in attributes
    assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    assert secure_client.get("/store/auth").status_code == 200


@pytest.mark.parametrize("password", ["password123", "iloveyou", "Qwerty123456"])
def test_common_passwords_are_refused_at_registration(client: TestClient, password: str) -> None:
    """Passwords on the bundled breached-password list are refused (ASVS 6.2.4)."""
    response = client.post("/store/customers", json={"email": "a@b.co", "password": password})
    assert response.status_code == 400 and "too common" in response.json()["message"]


def test_common_passwords_are_refused_at_change_and_reset(client: TestClient) -> None:
    """The same list applies to password changes."""
    _register(client)
    response = client.post("/store/customers/me", json={"password": "baseball1"})
    assert response.status_code == 400 and "too common" in response.json()["message"]


def test_short_passwords_are_refused_but_long_unicode_ones_accepted(client: TestClient) -> None:
    """At least 8 characters; any printable Unicode, up to 256 characters, no composition rules."""
    short = client.post("/store/customers", json={"email": "a@b.co", "password": "short"})
    assert short.status_code == 400
    passphrase = "ça marche très bien 🙂 " * 10 + "fin"
    ok = client.post("/store/customers", json={"email": "b@b.co", "password": passphrase})
    assert ok.status_code == 200, ok.text
    client.cookies.clear()
    login = client.post("/store/auth", json={"email": "b@b.co", "password": passphrase})
    assert login.status_code == 200


def test_delete_ends_every_session(client: TestClient, admin_headers: dict[str, str]) -> None:
    """Deleting an account ends all of its sessions, cookie and bearer."""
    customer_id = _register(client)
    bearer = client.post(
        "/store/auth/token", json={"email": "ann@example.com", "password": "ann password"}
    ).json()["access_token"]
    client.delete(f"/admin/customers/{customer_id}", headers=admin_headers)
    assert client.get("/store/auth").status_code == 401
    assert (
        client.get("/store/auth", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    )
