"""Limits that slow guessing without locking real customers out (issue 12, items 3 and 4)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from hashless.service import ServiceContext, create_app
from hashless.service.auth import DEVICE_HEADER
from hashless.service.limits import ACCOUNT_RULE, ADDRESS_RULE
from hashless.storage import Database
from tests.service.conftest import Clock

AddLegacy = Callable[[str, str], str]
ANN = {"email": "ann@example.com", "password": "ann password"}
WRONG = {"email": "ann@example.com", "password": "wrong password"}


def _register(client: TestClient) -> None:
    assert client.post("/store/customers", json=ANN).status_code == 200
    client.cookies.clear()


def _lock_account(attacker: TestClient) -> None:
    for _ in range(ACCOUNT_RULE.free + 1):
        assert attacker.post("/store/auth", json=WRONG).status_code == 401
    assert attacker.post("/store/auth", json=WRONG).status_code == 429


def test_a_device_that_logged_in_before_gets_past_the_account_limit(
    client: TestClient, context: ServiceContext
) -> None:
    """11 wrong guesses lock the account for everyone else, not for the customer's own
    browser: it logged in before, so the correct password still gets in."""
    _register(client)
    assert client.post("/store/auth", json=ANN).status_code == 200
    client.cookies.delete("hashless_sid")  # signed out; the device cookie stays
    with TestClient(create_app(context)) as attacker:
        _lock_account(attacker)
        assert attacker.post("/store/auth", json=ANN).status_code == 429
    assert client.post("/store/auth", json=ANN).status_code == 200
    assert client.get("/store/auth").status_code == 200


def test_an_app_keeps_its_device_token_in_a_header(
    client: TestClient, context: ServiceContext
) -> None:
    """Bearer clients without cookies get the device token in a header and send it back."""
    _register(client)
    first = client.post("/store/auth/token", json=ANN)
    device = first.headers[DEVICE_HEADER]
    client.cookies.clear()
    with TestClient(create_app(context)) as attacker:
        _lock_account(attacker)
    assert client.post("/store/auth/token", json=ANN).status_code == 429
    again = client.post("/store/auth/token", json=ANN, headers={DEVICE_HEADER: device})
    assert again.status_code == 200 and again.headers[DEVICE_HEADER] == device


def test_the_browser_that_registered_is_a_known_device(
    client: TestClient, context: ServiceContext
) -> None:
    """Registering logs in, so the registering browser is known from then on."""
    assert client.post("/store/customers", json=ANN).status_code == 200
    client.cookies.delete("hashless_sid")
    with TestClient(create_app(context)) as attacker:
        _lock_account(attacker)
    assert client.post("/store/auth", json=ANN).status_code == 200


def test_a_known_device_has_a_limit_of_its_own(client: TestClient) -> None:
    """A device token buys no extra guesses: its own failures hold it like an account's."""
    _register(client)
    assert client.post("/store/auth", json=ANN).status_code == 200
    _lock_account(client)
    assert client.post("/store/auth", json=ANN).status_code == 429


def test_a_device_of_another_account_counts_for_nothing(
    client: TestClient, context: ServiceContext
) -> None:
    """The attacker's own device token (from their own account) does not lift the
    victim's limit."""
    _register(client)
    with TestClient(create_app(context)) as attacker:
        mine = {"email": "mallory@example.com", "password": "mallory password"}
        assert attacker.post("/store/customers", json=mine).status_code == 200
        assert attacker.post("/store/auth", json=mine).status_code == 200
        _lock_account(attacker)
        assert attacker.post("/store/auth", json=ANN).status_code == 429


def test_a_password_reset_lifts_the_account_limit(
    client: TestClient, context: ServiceContext, delivery: object
) -> None:
    """A customer on a new device, locked out by someone's guesses, resets the password
    (proving the mailbox) and is let in at once."""
    _register(client)
    _lock_account(client)
    client.post("/store/customers/password-token", json={"email": ANN["email"]})
    token = delivery.events[-1].token  # type: ignore[attr-defined]
    new = {"email": ANN["email"], "password": "a brand new password"}
    reset = client.post("/store/customers/password-reset", json={**new, "token": token})
    assert reset.status_code == 200
    client.cookies.clear()
    assert client.post("/store/auth", json=new).status_code == 200


def _fail_from_one_address(client: TestClient, count: int) -> None:
    for i in range(count):
        guess = {"email": f"user{i}@example.com", "password": "wrong password"}
        assert client.post("/store/auth", json=guess).status_code == 401


def test_a_busy_address_is_slowed_not_walled(
    client: TestClient, add_legacy: AddLegacy, clock: Clock
) -> None:
    """Beyond the address's free failures a correct password of an account nobody is
    guessing still gets in; the next attempts from the address wait for their slot."""
    add_legacy("leg@example.com", "legacy password")
    _fail_from_one_address(client, ADDRESS_RULE.free + 1)
    good = {"email": "leg@example.com", "password": "legacy password"}
    assert client.post("/store/auth", json=good).status_code == 200

    started = time.monotonic()
    guess = {"email": "other@example.com", "password": "wrong password"}
    assert client.post("/store/auth", json=guess).status_code == 401
    assert time.monotonic() - started >= ADDRESS_RULE.delay(ADDRESS_RULE.free + 1).total_seconds()


def test_an_address_guessing_faster_than_its_slots_gets_429_but_known_devices_pass(
    client: TestClient, context: ServiceContext, db: Database, add_legacy: AddLegacy
) -> None:
    """While a guessing run holds every slot of an address, a new device there waits its
    turn (429 with Retry-After); a device that logged in before does not."""
    _register(client)
    assert client.post("/store/auth", json=ANN).status_code == 200  # the device is known
    client.cookies.delete("hashless_sid")
    with TestClient(create_app(context)) as newcomer:
        _fail_from_one_address(newcomer, ADDRESS_RULE.free + 1)
        for _ in range(3):  # a run from the address has reserved the slots of the next minutes
            with db.transaction() as writing:
                db.throttle.take_slot(
                    "ip:testclient", timedelta(minutes=1), hold=timedelta(hours=1), within=writing
                )
        refused = newcomer.post("/store/auth", json=ANN)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert client.post("/store/auth", json=ANN).status_code == 200
