"""hashless in front of a real Medusa v1.20.11 server, driven with @medusajs/medusa-js 6.

See ``conftest.py`` for the stack. Each scenario uses a customer that Medusa itself
registered before hashless started (a scrypt hash in ``customer.password_hash``).
"""

from __future__ import annotations

import concurrent.futures

import httpx
import pytest

from .real_stack import LEGACY_PASSWORD, MedusaStack

pytestmark = [pytest.mark.node, pytest.mark.postgres]

SCRYPT_KDF = "c2NyeXB0"
"""base64 of ``scrypt``: how every Medusa v1 password hash begins."""


def _assert_migrated(stack: MedusaStack, email: str) -> None:
    assert stack.password_hash(email) is None
    assert len(stack.cognito_users(email)) == 1


def _order_customer(stack: MedusaStack, order_id: str) -> str:
    rows = stack.sql('SELECT customer_id FROM "order" WHERE id = %s', order_id)
    assert len(rows) == 1
    customer_id: str = rows[0][0]
    return customer_id


def _customer_id(stack: MedusaStack, email: str) -> str:
    rows = stack.sql("SELECT id FROM customer WHERE email = %s AND has_account", email)
    customer_id: str = rows[0][0]
    return customer_id


@pytest.mark.parametrize("mode", ["cookie", "bearer"])
def test_a_customer_from_before_hashless_logs_in_and_orders(
    medusa_stack: MedusaStack, mode: str
) -> None:
    """A Medusa customer logs in through hashless (cookie, or bearer token), is migrated
    (one Cognito user, ``password_hash`` NULL), reads and updates its profile, and checks
    out with the manual providers; the order row in Medusa's database is that customer's,
    and Medusa's own login now refuses the customer."""
    email = medusa_stack.legacy[mode]
    assert (medusa_stack.password_hash(email) or "").startswith(SCRYPT_KDF)
    report = medusa_stack.checkout(email, LEGACY_PASSWORD, mode)
    customer_id = _customer_id(medusa_stack, email)
    assert report["customer_id"] == customer_id
    _assert_migrated(medusa_stack, email)
    assert _order_customer(medusa_stack, report["order_id"]) == customer_id
    first_name = medusa_stack.sql("SELECT first_name FROM customer WHERE id = %s", customer_id)
    assert first_name == [("Checked",)]
    direct = httpx.post(
        f"{medusa_stack.medusa.url}/store/auth",
        json={"email": email, "password": LEGACY_PASSWORD},
    )
    assert direct.status_code == 401


def test_a_password_reset_through_hashless(medusa_stack: MedusaStack) -> None:
    """A reset through hashless (token by webhook) sets the new password in Cognito; the
    old one stops working and Medusa's column stays empty."""
    email = medusa_stack.legacy["reset"]
    base = medusa_stack.hashless.url
    asked = httpx.post(f"{base}/store/customers/password-token", json={"email": email})
    assert asked.status_code == 204
    token = medusa_stack.reset_token(email)
    new_password = "a brand new password 2"
    reset = httpx.post(
        f"{base}/store/customers/password-reset",
        json={"email": email, "token": token, "password": new_password},
    )
    assert reset.status_code == 200, reset.text
    assert (
        httpx.post(
            f"{base}/store/auth", json={"email": email, "password": new_password}
        ).status_code
        == 200
    )
    assert (
        httpx.post(
            f"{base}/store/auth", json={"email": email, "password": LEGACY_PASSWORD}
        ).status_code
        == 401
    )
    _assert_migrated(medusa_stack, email)


def _text_values(stack: MedusaStack) -> list[str]:
    """Every text, varchar and JSON value in every table of Medusa's database."""
    columns = stack.sql(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('text', 'character varying', 'json', 'jsonb') "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    values: list[str] = []
    for schema, table, column in columns:
        rows = stack.sql(
            f'SELECT "{column}"::text FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        )
        values.extend(row[0] for row in rows)
    return values


def test_a_registration_through_hashless_leaves_no_hash_in_medusa(
    medusa_stack: MedusaStack,
) -> None:
    """A customer registered through hashless is Medusa's customer (a row with an account,
    which orders through hashless like any other), and nothing in Medusa's database holds
    its password or a hash of it: not the customer row, not the ``staged_job`` event
    data, not any other text column, even after an order; and Medusa's event bus still
    tells a project subscriber about the new customer, with no hash in the event."""
    email = "registered-through-hashless@example.com"
    password = "registration password 3 unique-7f3a"
    created = httpx.post(
        f"{medusa_stack.hashless.url}/store/customers",
        json={"email": email, "password": password, "first_name": "New"},
    )
    assert created.status_code == 200, created.text
    customer_id = created.json()["customer"]["id"]
    assert _customer_id(medusa_stack, email) == customer_id
    assert medusa_stack.password_hash(email) is None
    report = medusa_stack.checkout(email, password, "cookie")
    assert _order_customer(medusa_stack, report["order_id"]) == customer_id
    for value in _text_values(medusa_stack):
        assert password not in value
        if customer_id in value or email in value:
            assert SCRYPT_KDF not in value, value[:200]
    seen = medusa_stack.medusa_log_line(f"customer.created {customer_id} ")
    assert seen.endswith("password_hash=absent")


def test_signing_out_everywhere_cuts_medusa_access(medusa_stack: MedusaStack) -> None:
    """A cookie session and a bearer token both reach Medusa's own routes; after "sign out
    everywhere" neither does, on the next request."""
    email = medusa_stack.legacy["signout"]
    base = medusa_stack.hashless.url
    credentials = {"email": email, "password": LEGACY_PASSWORD}
    cookie_login = httpx.post(f"{base}/store/auth", json=credentials)
    assert cookie_login.status_code == 200
    cookies = {"hashless_sid": cookie_login.cookies["hashless_sid"]}
    token = httpx.post(f"{base}/store/auth/token", json=credentials).json()["access_token"]
    bearer = {"authorization": f"Bearer {token}"}
    orders = f"{base}/store/customers/me/orders"
    assert httpx.get(orders, cookies=cookies).status_code == 200
    assert httpx.get(orders, headers=bearer).status_code == 200
    ended = httpx.delete(f"{base}/store/auth/sessions", headers=bearer)
    assert ended.status_code == 200
    assert httpx.get(orders, cookies=cookies).status_code == 401
    assert httpx.get(orders, headers=bearer).status_code == 401


def test_a_medusa_issued_token_does_not_pass_through(medusa_stack: MedusaStack) -> None:
    """A 30-day JWT Medusa issued itself (before hashless, or at a Medusa route reached
    directly) opens nothing through hashless: only hashless sessions reach Medusa."""
    email = medusa_stack.legacy["direct"]
    issued = httpx.post(
        f"{medusa_stack.medusa.url}/store/auth/token",
        json={"email": email, "password": LEGACY_PASSWORD},
    )
    assert issued.status_code == 200
    bearer = {"authorization": f"Bearer {issued.json()['access_token']}"}
    assert (
        httpx.get(f"{medusa_stack.medusa.url}/store/customers/me", headers=bearer).status_code
        == 200
    )
    through = httpx.get(f"{medusa_stack.hashless.url}/store/customers/me/orders", headers=bearer)
    assert through.status_code == 401


def test_fifty_simultaneous_first_logins_make_one_cognito_user(
    medusa_stack: MedusaStack,
) -> None:
    """Two hashless workers, 50 first logins of one Medusa customer at once: every one
    succeeds and the pool holds exactly one user for it."""
    email = medusa_stack.legacy["burst"]
    url = f"{medusa_stack.hashless.url}/store/auth"

    def log_in(_: int) -> int:
        with httpx.Client(timeout=60) as client:
            return client.post(url, json={"email": email, "password": LEGACY_PASSWORD}).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(log_in, range(50)))
    assert statuses == [200] * 50, {s: statuses.count(s) for s in set(statuses)}
    _assert_migrated(medusa_stack, email)
