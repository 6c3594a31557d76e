"""The pass-through to Medusa, against a stand-in Medusa (an HTTP server on a local port).

The real Medusa v1.20.11 server is driven in ``test_real_medusa.py``; these pin what
happens to each header, cookie and body on the way, and which credentials Medusa sees.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import httpx
import jwt
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text
from starlette.types import Receive, Scope, Send

from hashless.platforms.medusa_v1 import front as front_module
from hashless.platforms.medusa_v1.front import medusa_front
from hashless.platforms.medusa_v1.sessions import APPLICATION_NAME
from hashless.platforms.medusa_v1.tokens import StoreTokens, mint_store_token
from hashless.service import ServiceContext, create_app
from hashless.service.browser import OriginAllowlist
from tests.service.conftest import Clock

SECRET = "medusa-jwt-secret-for-the-pass-through-tests"
SHOP = "https://shop.example"
COOKIE = "hashless_sid"  # the test context runs with cookie_secure=False

_ANSWER_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-medusa-thing", b"kept"),
    (b"set-cookie", b"connect.sid=s%3Aabc.def; Path=/; HttpOnly"),
    (b"set-cookie", b"shop_pref=1; Path=/"),
    (b"access-control-allow-origin", b"https://medusa-allowed.example"),
    (b"access-control-allow-credentials", b"true"),
    (b"keep-alive", b"timeout=5"),
]


@dataclass
class FakeMedusa:
    """Records what reaches Medusa, as a server on a local port sees it, and answers
    like a Medusa store route: 201, a JSON body in two pieces (chunked), unless a test
    sets another answer."""

    seen: list[httpx.Request] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    status: int = 201
    headers: list[tuple[bytes, bytes]] = field(default_factory=lambda: list(_ANSWER_HEADERS))
    chunks: tuple[bytes, ...] = (b'{"cart": ', b'{"id": "cart_1"}}')
    url: str = ""
    stop: Callable[[], None] = lambda: None
    """Medusa down: nothing listens on its port any more."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        target = self.url + scope["raw_path"].decode()
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode()
        self.bodies.append(body)
        self.seen.append(httpx.Request(scope["method"], target, headers=scope["headers"]))
        start = {"type": "http.response.start", "status": self.status, "headers": self.headers}
        await send(start)
        for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    @property
    def last(self) -> httpx.Request:
        return self.seen[-1]

    @property
    def netloc(self) -> str:
        return self.url.removeprefix("http://")

    def claims(self) -> dict[str, object] | None:
        """The Medusa JWT the last request carried, verified as Medusa would, or None."""
        authorization = self.last.headers.get("authorization")
        if authorization is None:
            return None
        scheme, _, token = authorization.partition(" ")
        assert scheme == "Bearer"
        claims: dict[str, object] = jwt.decode(token, SECRET, algorithms=["HS256"])
        return claims


@pytest.fixture
def medusa() -> Iterator[FakeMedusa]:
    fake = FakeMedusa()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(fake, lifespan="off", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]})
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()

    fake.stop = stop
    yield fake
    stop()


@pytest.fixture
def front(context: ServiceContext, medusa: FakeMedusa) -> Iterator[TestClient]:
    context.store_cors = OriginAllowlist.parse(SHOP)
    # The standalone service's state, in front of a stand-in Medusa as medusa-v1 mode is.
    context.host = replace(
        context.host,
        medusa_url=medusa.url + "/",
        medusa_jwt_secret=SecretStr(SECRET),
        serves_profile=False,
    )
    with TestClient(medusa_front(create_app(context), context)) as client:
        yield client


def _register(client: TestClient, email: str = "ann@example.com") -> str:
    response = client.post("/store/customers", json={"email": email, "password": "ann password"})
    assert response.status_code == 200, response.text
    customer_id: str = response.json()["customer"]["id"]
    return customer_id


def test_an_anonymous_request_reaches_medusa_unchanged(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """Method, path, query string, body and ordinary headers reach Medusa as sent; the
    answer's status, body, headers and cookies come back, minus Medusa's session cookie,
    its CORS headers and hop-by-hop headers."""
    response = front.post(
        "/store/carts/cart_1/line-items?expand=items%2Cregion&x=a+b",
        content=b'{"variant_id": "variant_1", "quantity": 2}',
        headers={
            "content-type": "application/json",
            "x-publishable-api-key": "pk_123",
            "connection": "keep-alive, x-hop",
            "x-hop": "gone",
        },
    )
    assert response.status_code == 201
    assert response.json() == {"cart": {"id": "cart_1"}}
    assert response.headers["x-medusa-thing"] == "kept"
    assert response.headers.get_list("set-cookie") == ["shop_pref=1; Path=/"]
    assert "access-control-allow-origin" not in response.headers
    assert "keep-alive" not in response.headers
    sent = medusa.last
    assert sent.method == "POST"
    assert str(sent.url) == (
        f"{medusa.url}/store/carts/cart_1/line-items?expand=items%2Cregion&x=a+b"
    )
    assert medusa.bodies[-1] == b'{"variant_id": "variant_1", "quantity": 2}'
    assert sent.headers["x-publishable-api-key"] == "pk_123"
    assert sent.headers["content-type"] == "application/json"
    assert "x-hop" not in sent.headers
    assert sent.headers["host"] == medusa.netloc
    assert medusa.claims() is None


def test_a_hashless_session_reaches_medusa_as_a_minted_one_minute_jwt(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """With the session cookie, Medusa sees ``Bearer <JWT>`` for that customer, signed with
    its secret, domain ``store``, expiring a minute after it was made; neither hashless'
    cookies (session, known device) nor its device header nor a ``connect.sid`` the
    browser still holds travels on; other cookies do."""
    customer_id = _register(front)
    front.cookies.set("connect.sid", "s%3Aplanted.sig")
    front.cookies.set("shop_pref", "1")
    front.get("/store/carts/cart_1", headers={"x-hashless-device": "device-token"})
    assert "x-hashless-device" not in medusa.last.headers
    claims = medusa.claims()
    assert claims is not None
    assert claims["customer_id"] == customer_id and claims["domain"] == "store"
    assert claims["exp"] == claims["iat"] + 60  # type: ignore[operator]
    assert abs(int(claims["iat"]) - time.time()) < 5  # type: ignore[call-overload]
    assert medusa.last.headers["cookie"] == "shop_pref=1"


def test_a_hashless_bearer_token_is_minted_too(front: TestClient, medusa: FakeMedusa) -> None:
    """A bearer token from ``POST /store/auth/token`` stands for its customer at Medusa."""
    customer_id = _register(front)
    token = front.post(
        "/store/auth/token", json={"email": "ann@example.com", "password": "ann password"}
    ).json()["access_token"]
    front.cookies.clear()
    front.get("/store/customers/me/orders", headers={"authorization": f"Bearer {token}"})
    claims = medusa.claims()
    assert claims is not None and claims["customer_id"] == customer_id


def test_credentials_medusa_would_honour_on_its_own_are_not_passed(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """A Medusa-issued 30-day JWT, an admin API token or a Medusa session cookie sent to
    hashless reach Medusa as nothing: the request is anonymous there."""
    medusa_jwt = mint_store_token("cus_someone", SECRET, lifetime=30 * 24 * 3600)
    front.get(
        "/store/customers/me",
        headers={
            "authorization": f"Bearer {medusa_jwt}",
            "x-medusa-access-token": "admin-api-token",
            "x-hashless-device": "a-known-device-token",
            "cookie": "connect.sid=s%3Asid.sig",
        },
    )
    sent = medusa.last
    assert "authorization" not in sent.headers
    assert "x-medusa-access-token" not in sent.headers
    assert "x-hashless-device" not in sent.headers
    assert "cookie" not in sent.headers


@pytest.mark.parametrize("how", ["logout", "everywhere"])
def test_ending_the_hashless_session_ends_medusa_access_at_once(
    front: TestClient, medusa: FakeMedusa, how: str
) -> None:
    """The next passed request after a logout (or "sign out everywhere") carries no
    Medusa credential, though the browser still sends the old cookie."""
    _register(front)
    cookie = front.cookies[COOKIE]
    front.get("/store/carts/cart_1")
    assert medusa.claims() is not None
    ended = front.delete("/store/auth" if how == "logout" else "/store/auth/sessions")
    assert ended.status_code == 200
    front.get("/store/carts/cart_1", headers={"cookie": f"{COOKIE}={cookie}"})
    assert medusa.claims() is None


def test_bodies_beyond_hashless_own_limit_stream_through(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """hashless' 64 KB body limit guards its own routes; a passed body of 1 MB, sent in
    chunks without a length, arrives whole."""
    payload = bytes(range(256)) * 4096

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]

    response = front.post("/store/uploads", content=chunks())
    assert response.status_code == 201
    assert medusa.bodies[-1] == payload


def test_hashless_routes_are_not_passed(front: TestClient, medusa: FakeMedusa) -> None:
    """Credential routes and /health are answered by hashless; Medusa sees none of them."""
    _register(front)
    assert front.post("/store/auth", json={"email": "x@example.com", "password": "p"}).status_code
    assert front.get("/health").json() == {"status": "ok"}
    assert medusa.seen == []


def test_cors_and_the_origin_check_hold_for_passed_requests(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """A passed answer to the allowed shop carries hashless' CORS headers (not Medusa's); a
    preflight is answered without Medusa; a cookie-authenticated change from a foreign
    page is refused before it reaches Medusa."""
    _register(front)
    allowed = front.get("/store/products", headers={"origin": SHOP})
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert allowed.headers["access-control-allow-credentials"] == "true"
    preflight = front.options(
        "/store/carts", headers={"origin": SHOP, "access-control-request-method": "POST"}
    )
    assert preflight.status_code == 200
    assert len(medusa.seen) == 1
    refused = front.post("/store/carts", json={}, headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert len(medusa.seen) == 1


def test_an_unreachable_medusa_is_a_502(front: TestClient, medusa: FakeMedusa) -> None:
    """Medusa down: a Medusa-shaped 502 naming no internals."""
    medusa.stop()
    response = front.get("/store/products")
    assert response.status_code == 502
    assert response.json() == {
        "type": "unknown_error",
        "message": "The store backend is unreachable",
    }


def test_a_proxy_in_front_of_both_asks_for_the_medusa_credential(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """``/hashless/medusa-auth`` (nginx ``auth_request``): 204 with the minted bearer for a
    live session, 204 without it for none (or a Medusa-issued token), 403 for a forged
    cookie-authenticated change; Medusa is never asked."""
    customer_id = _register(front)
    answer = front.post("/hashless/medusa-auth")
    assert answer.status_code == 204
    scheme, _, token = answer.headers["x-medusa-authorization"].partition(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["customer_id"] == customer_id and claims["domain"] == "store"
    assert "no-store" in answer.headers["cache-control"]
    forged = front.post("/hashless/medusa-auth", headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    # nginx asks with GET whatever the request; the method it asks for is the header's.
    asked = {"origin": "https://evil.example", "x-original-method": "DELETE"}
    assert front.get("/hashless/medusa-auth", headers=asked).status_code == 403
    asked["x-original-method"] = "GET"
    assert front.get("/hashless/medusa-auth", headers=asked).status_code == 204
    front.cookies.clear()
    medusa_jwt = mint_store_token(customer_id, SECRET)
    anonymous = front.get(
        "/hashless/medusa-auth", headers={"authorization": f"Bearer {medusa_jwt}"}
    )
    assert anonymous.status_code == 204
    assert "x-medusa-authorization" not in anonymous.headers
    assert medusa.seen == []


def test_a_profile_update_goes_where_its_fields_belong(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """``POST /store/customers/me``: names and addresses are Medusa's to write (passed,
    body unchanged, with the minted JWT); a body naming a password or an email, or one
    that is no JSON object, is hashless' and never reaches Medusa."""
    customer_id = _register(front)
    update = b'{"billing_address": {"city": "Springfield"}, "first_name": "Ann"}'
    front.post("/store/customers/me", content=update, headers={"content-type": "application/json"})
    assert medusa.bodies == [update]
    claims = medusa.claims()
    assert claims is not None and claims["customer_id"] == customer_id
    for body in (
        b'{"password": "a new password 9"}',
        b'{"first_name": "Ann", "email": "other@example.com"}',
        b'{"pass\\u0077ord": "spelled otherwise"}',
        b"[1, 2]",
        b"not json",
    ):
        response = front.post(
            "/store/customers/me", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code != 201, body
    assert len(medusa.bodies) == 1


def test_the_profile_read_is_medusas(front: TestClient, medusa: FakeMedusa) -> None:
    """``GET /store/customers/me`` goes to Medusa (its customer has orders, addresses and
    everything else Medusa relates to it), as the customer the session names."""
    customer_id = _register(front)
    front.get("/store/customers/me")
    assert medusa.last.url.path == "/store/customers/me"
    claims = medusa.claims()
    assert claims is not None and claims["customer_id"] == customer_id


def test_medusa_gets_the_clients_headers_and_none_of_the_forwarders(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """The HTTP client that forwards adds no header of its own: no ``User-Agent``,
    ``Accept``, ``Accept-Encoding`` or ``Content-Type`` the client did not send, and
    the ones it sent arrive as sent."""
    front.post(
        "/store/uploads",
        content=b"raw bytes",
        headers={"user-agent": "shop/1.0", "accept": "application/json", "accept-encoding": "br"},
    )
    sent = medusa.last
    assert "content-type" not in sent.headers
    assert sent.headers["user-agent"] == "shop/1.0"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["accept-encoding"] == "br"
    assert set(sent.headers) == {
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "content-length",
    }


def test_answers_come_back_undecoded_and_redirects_unfollowed(
    front: TestClient, medusa: FakeMedusa
) -> None:
    """A compressed answer reaches the client compressed, with Medusa's length; a
    redirect reaches it as a redirect (Medusa is asked once)."""
    body = gzip.compress(b'{"products": []}')
    medusa.headers = [
        (b"content-type", b"application/json"),
        (b"content-encoding", b"gzip"),
        (b"content-length", str(len(body)).encode()),
    ]
    medusa.chunks = (body,)
    answer = front.get("/store/products")
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["content-length"] == str(len(body))
    assert answer.json() == {"products": []}
    medusa.status, medusa.headers, medusa.chunks = 302, [(b"location", b"/store/elsewhere")], ()
    redirected = front.get("/store/somewhere", follow_redirects=False)
    assert redirected.status_code == 302
    assert redirected.headers["location"] == "/store/elsewhere"
    assert [request.url.path for request in medusa.seen] == ["/store/products", "/store/somewhere"]


def test_an_idle_session_opens_nothing_at_medusa_and_is_deleted(
    front: TestClient, medusa: FakeMedusa, context: ServiceContext, clock: Clock
) -> None:
    """A session past its idle limit is judged as on hashless' own routes: the request
    reaches Medusa anonymous and the session row is gone."""
    customer_id = _register(front)
    front.get("/store/carts/cart_1")
    assert medusa.claims() is not None
    clock.advance(seconds=context.db.session_idle.total_seconds() + 1)
    front.get("/store/carts/cart_1")
    assert medusa.claims() is None
    assert context.db.sessions.list(customer_id) == []


def test_a_passed_request_moves_the_session_on_once_a_minute(
    front: TestClient, medusa: FakeMedusa, context: ServiceContext, clock: Clock
) -> None:
    """Passed requests keep a session alive: ``last_seen_at`` moves to the time of the
    first passed request a minute or more after the last move, and not before."""
    customer_id = _register(front)
    clock.advance(minutes=2)
    moved = clock.now
    front.get("/store/carts/cart_1")
    clock.advance(seconds=30)
    front.get("/store/carts/cart_1")
    (session,) = context.db.sessions.list(customer_id)
    assert session.last_seen_at == moved
    assert medusa.claims() is not None


@pytest.mark.parametrize(
    "db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_the_session_check_outlives_its_database_connections(
    front: TestClient, medusa: FakeMedusa, context: ServiceContext
) -> None:
    """PostgreSQL closing the session check's connections (a restart, an idle timeout)
    costs the next passed request nothing: it still goes out as the customer."""
    customer_id = _register(front)
    front.get("/store/carts/cart_1")
    with context.db.engine.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        ).scalar_one()
    assert ended >= 1
    front.get("/store/carts/cart_1")
    claims = medusa.claims()
    assert claims is not None and claims["customer_id"] == customer_id


def test_where_a_request_goes_is_remembered_within_bounds(
    front: TestClient, medusa: FakeMedusa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route decision is kept per method and path, in a table that starts again
    when full: past it, hashless' routes are still hashless' and the rest Medusa's."""
    monkeypatch.setattr(front_module, "_DECISIONS", 3)
    for cart in range(5):
        assert front.get(f"/store/carts/cart_{cart}").status_code == 201
        assert front.get("/health").json() == {"status": "ok"}
    decided = front.app._decided  # type: ignore[attr-defined]
    assert 0 < len(decided) <= 3
    assert [request.url.path for request in medusa.seen] == [
        f"/store/carts/cart_{c}" for c in range(5)
    ]


def test_a_customers_token_serves_half_its_minute_then_is_minted_anew() -> None:
    """Within 30 s of minting, a customer's passed requests carry the same token (still
    good for 30 s more at Medusa); from then on a fresh one; each customer has their own."""
    now = [1_000_000.0]
    tokens = StoreTokens(SECRET, clock=lambda: now[0])
    first = tokens.for_customer("cus_a")
    now[0] += 29
    assert tokens.for_customer("cus_a") == first
    unexpired = {"verify_exp": False}  # the fake clock is in 1970
    other = jwt.decode(tokens.for_customer("cus_b"), SECRET, ["HS256"], options=unexpired)
    assert other["customer_id"] == "cus_b"
    now[0] += 1
    fresh = tokens.for_customer("cus_a")
    assert fresh != first
    claims = jwt.decode(fresh, SECRET, ["HS256"], options=unexpired)
    assert claims["iat"] == 1_000_030 and claims["exp"] == 1_000_090
