"""CORS for a storefront on another origin, and no cookie-authenticated change from elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hashless.service import ServiceContext, create_app
from hashless.service.browser import OriginAllowlist

from .conftest import ADMIN_TOKEN

SHOP = "https://shop.example"
EVIL = "https://evil.example"


@pytest.fixture
def shop_client(context: ServiceContext) -> Iterator[TestClient]:
    """The app with ``HASHLESS_STORE_CORS`` naming the shop and a regex for its previews."""
    context.store_cors = OriginAllowlist.parse(
        f"{SHOP}, /^https:\\/\\/pr-\\d+\\.preview\\.example$/"
    )
    with TestClient(create_app(context)) as test_client:
        yield test_client


def _log_in(client: TestClient) -> None:
    response = client.post(
        "/store/customers", json={"email": "ann@example.com", "password": "ann password"}
    )
    assert response.status_code == 200, response.text


def test_medusa_store_cors_format_is_read_as_medusa_reads_it() -> None:
    """Plain origins match exactly; ``/regex/flags`` entries (any of Medusa's delimiters)
    match anywhere in the origin, as JavaScript's ``RegExp.test`` does; a broken regex is
    a plain origin."""
    allowlist = OriginAllowlist.parse(
        "http://localhost:8000/, /\\.shop\\.example$/i, ~^https://a\\.test~, ~([~"
    )
    assert allowlist.allows("http://localhost:8000")
    assert not allowlist.allows("http://localhost:8001")
    assert allowlist.allows("https://www.SHOP.example")
    assert not allowlist.allows("https://shop.example.evil")
    assert allowlist.allows("https://a.test:8443")
    assert allowlist.allows("~([~")
    assert not OriginAllowlist.parse("").allows("null")


def test_a_preflight_from_an_allowed_origin_is_answered_with_credentials(
    shop_client: TestClient,
) -> None:
    """OPTIONS from the shop: 200 naming the origin, credentials allowed, headers echoed."""
    response = shop_client.options(
        "/store/auth",
        headers={
            "origin": SHOP,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-publishable-api-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "content-type, x-publishable-api-key"


def test_a_preflight_from_another_origin_gets_no_permission(shop_client: TestClient) -> None:
    """OPTIONS from an origin not on the list: refused, no Allow-Origin for the browser."""
    response = shop_client.options(
        "/store/auth", headers={"origin": EVIL, "access-control-request-method": "POST"}
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_answers_to_an_allowed_origin_carry_cors_headers(shop_client: TestClient) -> None:
    """A store answer to the shop (and to a preview matching the regex) names that origin."""
    _log_in(shop_client)
    for origin in (SHOP, "https://pr-42.preview.example"):
        response = shop_client.get("/store/customers/me", headers={"origin": origin})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "Origin" in response.headers["vary"]
    other = shop_client.get("/store/customers/me", headers={"origin": EVIL})
    assert "access-control-allow-origin" not in other.headers


def test_the_allowed_origin_may_change_things_with_the_cookie(shop_client: TestClient) -> None:
    """A cookie-authenticated change from the shop's pages goes through."""
    _log_in(shop_client)
    response = shop_client.post(
        "/store/customers/me", json={"first_name": "Annie"}, headers={"origin": SHOP}
    )
    assert response.status_code == 200, response.text
    assert response.json()["customer"]["first_name"] == "Annie"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/store/customers/me", {"first_name": "Mallory"}),
        ("DELETE", "/store/auth/sessions", None),
        ("DELETE", "/store/auth", None),
    ],
)
def test_a_cookie_authenticated_change_from_another_origin_is_refused(
    shop_client: TestClient, method: str, path: str, body: dict[str, str] | None
) -> None:
    """A page on evil.example cannot use the customer's cookie to change anything: 403
    with a message saying why, and the change did not happen."""
    _log_in(shop_client)
    response = shop_client.request(method, path, json=body, headers={"origin": EVIL})
    assert response.status_code == 403
    assert response.json()["type"] == "not_allowed"
    assert EVIL in response.json()["message"]
    me = shop_client.get("/store/customers/me")
    assert me.status_code == 200 and me.json()["customer"]["first_name"] is None


def test_the_referer_speaks_when_there_is_no_origin(shop_client: TestClient) -> None:
    """Without Origin the Referer's origin is judged: foreign refused, own host accepted."""
    _log_in(shop_client)
    evil = shop_client.post(
        "/store/customers/me",
        json={"first_name": "Mallory"},
        headers={"referer": f"{EVIL}/page?x=1"},
    )
    assert evil.status_code == 403
    own = shop_client.post(
        "/store/customers/me",
        json={"first_name": "Annie"},
        headers={"referer": "http://testserver/account"},
    )
    assert own.status_code == 200


def test_a_same_origin_page_needs_no_allowlist(client: TestClient) -> None:
    """With no HASHLESS_STORE_CORS at all, the site's own pages still change things, and a
    program naming no origin is not a browser being tricked."""
    _log_in(client)
    same = client.post(
        "/store/customers/me", json={"first_name": "Annie"}, headers={"origin": "http://testserver"}
    )
    assert same.status_code == 200
    plain = client.post("/store/customers/me", json={"last_name": "Smith"})
    assert plain.status_code == 200
    sandboxed = client.post(
        "/store/customers/me", json={"last_name": "Evil"}, headers={"origin": "null"}
    )
    assert sandboxed.status_code == 403


def test_without_a_cookie_a_foreign_origin_is_not_refused(shop_client: TestClient) -> None:
    """A login from a page elsewhere carries no cookie: it is not refused here (the browser
    keeps the answer from that page, as CORS says)."""
    response = shop_client.post(
        "/store/auth",
        json={"email": "nobody@example.com", "password": "whatever"},
        headers={"origin": EVIL},
    )
    assert response.status_code == 401
    assert "access-control-allow-origin" not in response.headers


def test_a_cross_site_form_cannot_sign_the_administrator_out(client: TestClient) -> None:
    """POST /admin/logout from a foreign page is refused, with or without the admin cookie
    (its SameSite=Strict keeps it home, so the form's request carries none)."""
    signed_in = client.post(
        "/admin/login",
        content=f"token={ADMIN_TOKEN}",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    form = {"content-type": "application/x-www-form-urlencoded", "origin": EVIL}
    with_cookie = client.post("/admin/logout", headers=form, follow_redirects=False)
    assert with_cookie.status_code == 403
    cookieless = TestClient(client.app).post("/admin/logout", headers=form, follow_redirects=False)
    assert cookieless.status_code == 403
    assert "migration-chart" in client.get("/admin").text
    own = client.post(
        "/admin/logout", headers={"origin": "http://testserver"}, follow_redirects=False
    )
    assert own.status_code == 303
