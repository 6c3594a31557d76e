"""``/admin``: the dashboard behind a session cookie that is not the admin token."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from hashless.service import ServiceContext
from hashless.service.admin_session import AdminSessions
from tests.service.conftest import ADMIN_TOKEN

AddLegacy = Callable[[str, str], str]


def _sign_in(client: TestClient, token: str = ADMIN_TOKEN) -> httpx.Response:
    return client.post(
        "/admin/login",
        content=f"token={token}",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_without_a_session_the_page_asks_for_the_token(client: TestClient) -> None:
    """No cookie: a sign-in form, no figures, and a policy that allows no script."""
    page = client.get("/admin")
    assert page.status_code == 200
    assert 'name="token"' in page.text and "migration-chart" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]


def test_a_wrong_token_is_refused_and_audited(client: TestClient, context: ServiceContext) -> None:
    """A wrong token: 401, the form again, no cookie, and an admin.login failure audited."""
    response = _sign_in(client, "not-the-admin-token-at-all")
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    events, _ = context.db.audit.search(event="admin.login")
    assert [(e.outcome, e.actor) for e in events] == [("failure", "admin")]


def test_the_session_cookie_is_strict_httponly_and_not_the_token(client: TestClient) -> None:
    """The token is typed once; the cookie is a signed session, HttpOnly and SameSite=Strict."""
    response = _sign_in(client)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("hashless_admin=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert ADMIN_TOKEN not in cookie
    page = client.get("/admin")
    assert page.status_code == 200 and 'id="migration-chart"' in page.text


def test_secure_deployments_get_a_host_prefixed_secure_cookie(
    client: TestClient, context: ServiceContext
) -> None:
    """With cookie_secure on, the cookie is __Host-hashless_admin and Secure."""
    context.cookie_secure = True
    cookie = _sign_in(client).headers["set-cookie"]
    assert cookie.startswith("__Host-hashless_admin=") and "Secure" in cookie


@pytest.mark.parametrize(
    "forged",
    [
        "9999999999.nonce.signature",
        AdminSessions("another-admin-token-0123456789").issue(),
        AdminSessions(ADMIN_TOKEN, clock=lambda: 0.0).issue(),  # expired long ago
        ADMIN_TOKEN,
    ],
    ids=["unsigned", "other-key", "expired", "the-token-itself"],
)
def test_forged_or_expired_cookies_are_refused(client: TestClient, forged: str) -> None:
    """Only an unexpired session signed with this token's key opens the dashboard."""
    client.cookies.set("hashless_admin", forged)
    assert "migration-chart" not in client.get("/admin").text


def test_signing_out_clears_the_cookie(client: TestClient) -> None:
    """Sign out: the cookie is deleted and the form is back."""
    _sign_in(client)
    response = client.post("/admin/logout", follow_redirects=False)
    assert response.status_code == 303
    assert 'hashless_admin=""' in response.headers["set-cookie"]
    assert 'name="token"' in client.get("/admin").text


def test_sign_in_attempts_are_throttled_per_address(client: TestClient) -> None:
    """After the free failures, further attempts wait, even with the right token."""
    for _ in range(11):
        _sign_in(client, "wrong-token-wrong-token")
    response = _sign_in(client)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


def test_the_dashboard_shows_the_migration_and_escapes_what_it_shows(
    client: TestClient, add_legacy: AddLegacy
) -> None:
    """Figures, chart bars, blocked customers and audit rows; customer data is HTML-escaped."""
    add_legacy("<script>alert(1)</script>@example.com", "legacy password")
    add_legacy("two@example.com", "weak password")  # the fake pool refuses "weak..." passwords
    add_legacy("three@example.com", "third password")
    client.post("/store/auth", json={"email": "two@example.com", "password": "weak password"})
    client.post("/store/auth", json={"email": "three@example.com", "password": "third password"})
    _sign_in(client)
    page = client.get("/admin").text
    assert re.search(r'id="percent-migrated">33\.3%<', page)
    assert re.search(r'id="legacy-left">2<', page)
    assert re.search(r'id="blocked">1<', page)
    assert "<script>alert(1)</script>" not in page
    assert "two@example.com" in page  # the blocked customer
    today = page.split('class="day" data-day="')[-1]
    assert '<rect class="legacy" data-count="2"' in today
    assert '<rect class="migrated" data-count="1"' in today
    assert "migration.succeeded" in page and "migration.blocked" in page
