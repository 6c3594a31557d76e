"""Brute force limits and hostile input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.service.app import MAX_BODY_BYTES
from hashless.service.limits import ACCOUNT_RULE
from hashless.storage import Database, create_database_engine
from tests.service.conftest import Clock

AddLegacy = Callable[[str, str], str]


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post("/store/auth", json={"email": email, "password": password}).status_code


def test_account_is_limited_after_repeated_failures_and_recovers(
    client: TestClient, add_legacy: AddLegacy, clock: Clock
) -> None:
    """Legacy customers too: after the free failures, even the right password waits."""
    add_legacy("leg@example.com", "legacy password")
    for _ in range(ACCOUNT_RULE.free):
        assert _login(client, "leg@example.com", "wrong password") == 401
    assert _login(client, "leg@example.com", "wrong password") == 401  # starts the backoff
    limited = client.post(
        "/store/auth", json={"email": "leg@example.com", "password": "legacy password"}
    )
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    clock.advance(seconds=ACCOUNT_RULE.ceiling.total_seconds() + 1)
    assert _login(client, "leg@example.com", "legacy password") == 200


def test_limited_answers_are_alike_for_existing_and_unknown_emails(
    client: TestClient, add_legacy: AddLegacy
) -> None:
    """The limit is keyed by the typed email, so it says nothing about existence."""
    add_legacy("leg@example.com", "legacy password")
    answers = {}
    for email in ("leg@example.com", "nobody@example.com"):
        for _ in range(ACCOUNT_RULE.free + 1):
            _login(client, email, "wrong password")
        answers[email] = client.post(
            "/store/auth", json={"email": email, "password": "wrong password"}
        )
    existing, unknown = answers.values()
    assert existing.status_code == unknown.status_code == 429
    assert existing.json() == unknown.json()


def test_limits_count_no_cognito_calls_for_limited_attempts(
    client: TestClient, store: InMemoryCredentialStore
) -> None:
    """While limited, nothing reaches Cognito: its own lockout counter is not fed."""
    client.post("/store/customers", json={"email": "ann@example.com", "password": "ann password"})
    client.cookies.clear()
    for _ in range(ACCOUNT_RULE.free + 1):
        _login(client, "ann@example.com", "wrong password")
    checks = store.count("check")
    assert _login(client, "ann@example.com", "wrong password") == 429
    assert store.count("check") == checks


def test_client_address_is_limited_across_accounts(
    client: TestClient, db: Database, store: InMemoryCredentialStore
) -> None:
    """Credential stuffing from one address across many emails runs into the address
    limit: beyond its free failures the address's checks are spaced, and attempts
    faster than the slots are refused before any password check."""
    from hashless.service.limits import ADDRESS_RULE

    statuses = [
        _login(client, f"user{i}@example.com", "wrong password")
        for i in range(ADDRESS_RULE.free + 1)
    ]
    assert statuses == [401] * (ADDRESS_RULE.free + 1)
    with db.transaction() as writing:  # the slots of the next seconds are taken
        for _ in range(3):
            db.throttle.take_slot(
                "ip:testclient", ADDRESS_RULE.ceiling, hold=timedelta(hours=1), within=writing
            )
    client.post("/store/customers", json={"email": "ann@example.com", "password": "ann pass 1"})
    client.cookies.clear()
    checks = store.count("check")
    assert _login(client, "ann@example.com", "ann pass 1") == 429
    assert store.count("check") == checks


def test_oversized_bodies_are_refused_before_parsing(client: TestClient) -> None:
    """A body over the limit is a 413 however it is framed."""
    padding = "x" * MAX_BODY_BYTES
    response = client.post(
        "/store/auth",
        content=f'{{"email":"a@b.co","password":"p","pad":"{padding}"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_password_over_256_characters_is_refused_before_hashing(
    client: TestClient, add_legacy: AddLegacy, store: InMemoryCredentialStore
) -> None:
    """Over Cognito's 256 characters: 400, no hashing and no Cognito call."""
    add_legacy("leg@example.com", "legacy password")
    response = client.post("/store/auth", json={"email": "leg@example.com", "password": "p" * 257})
    assert response.status_code == 400 and store.calls == []


def test_non_utf8_body_is_invalid_data(client: TestClient) -> None:
    """Bytes that are not UTF-8 are a 400 invalid_data, never a 500."""
    response = client.post(
        "/store/auth",
        content=b'{"email":"a@b.co","password":"\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["type"] == "invalid_data"


def test_nul_bytes(client: TestClient) -> None:
    """A NUL in a new password is refused; in a login it is simply a wrong password."""
    register = client.post(
        "/store/customers", json={"email": "a@b.co", "password": "nul\x00password"}
    )
    assert register.status_code == 400
    client.post("/store/customers", json={"email": "b@b.co", "password": "fine password"})
    client.cookies.clear()
    assert _login(client, "b@b.co", "fine\x00password") == 401
    assert client.post(
        "/store/auth", json={"email": "b\x00@b.co", "password": "x"}
    ).status_code in (
        400,
        401,
    )


def test_emails_differing_by_case_or_unicode_form_are_one_account(client: TestClient) -> None:
    """Case and compatibility forms (fullwidth letters) fold to one account."""
    client.post("/store/customers", json={"email": "anna@example.com", "password": "anna password"})
    for variant in ("ANNA@EXAMPLE.COM", "\uff41\uff4e\uff4e\uff41@example.com"):
        duplicate = client.post(
            "/store/customers", json={"email": variant, "password": "other password"}
        )
        assert duplicate.status_code == 422, variant
        client.cookies.clear()
        assert _login(client, variant, "anna password") == 200, variant


def test_limits_are_shared_through_the_database(db: Database) -> None:
    """Two processes (two engines on one database) add up to one failure count."""
    other = Database(create_database_engine(db.engine.url.render_as_string(hide_password=False)))
    rules = {"account:x@example.com": ACCOUNT_RULE}
    for _ in range(ACCOUNT_RULE.free):
        db.throttle.record_failure(rules)
    assert db.throttle.wait_for(rules).total_seconds() == 0
    other.throttle.record_failure(rules)
    assert db.throttle.wait_for(rules).total_seconds() > 0
    other.engine.dispose()


def test_passwords_are_checked_exactly_as_typed(client: TestClient, clock: Clock) -> None:
    """No case folding, trimming or truncation of what the customer typed."""
    client.post("/store/customers", json={"email": "a@b.co", "password": "Exact Password 1"})
    client.cookies.clear()
    for variant in ("exact password 1", "EXACT PASSWORD 1", "Exact Password", "Exact Password 12"):
        assert _login(client, "a@b.co", variant) == 401, variant
    clock.advance(seconds=ACCOUNT_RULE.ceiling.total_seconds() + 1)  # past the account limit
    assert _login(client, "a@b.co", "Exact Password 1") == 200


def test_unknown_and_wrong_answers_carry_the_same_headers(
    client: TestClient, add_legacy: AddLegacy
) -> None:
    """Same status, body and header names for an unknown email and a wrong password."""
    add_legacy("leg@example.com", "legacy password")
    unknown = client.post("/store/auth", json={"email": "no@example.com", "password": "x" * 9})
    wrong = client.post("/store/auth", json={"email": "leg@example.com", "password": "x" * 9})
    assert (unknown.status_code, unknown.text) == (wrong.status_code, wrong.text)
    assert sorted(unknown.headers.keys()) == sorted(wrong.headers.keys())
