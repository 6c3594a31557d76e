"""Reset requests are limited per email and per address, alike for every email
(issue 12, item 5)."""

from __future__ import annotations

import statistics
import time

from fastapi.testclient import TestClient

from hashless.service.limits import RESET_ADDRESS_RULE, RESET_EMAIL_RULE
from tests.service.conftest import CapturedDelivery, Clock

ASK = "/store/customers/password-token"


def _answer(client: TestClient, email: str) -> tuple[int, str, str | None]:
    response = client.post(ASK, json={"email": email})
    return response.status_code, response.text, response.headers.get("retry-after")


def _register(client: TestClient, email: str) -> None:
    client.post("/store/customers", json={"email": email, "password": "ann password"})
    client.cookies.clear()


def test_thirty_requests_for_one_email_make_a_few_tokens(
    client: TestClient, delivery: CapturedDelivery
) -> None:
    """30 requests in a row: the free ones and one more make tokens; the rest are 429
    with Retry-After, and make no token and send nothing."""
    _register(client, "ann@example.com")
    answers = [_answer(client, "ann@example.com") for _ in range(30)]
    allowed = RESET_EMAIL_RULE.free + 1
    assert [status for status, _, _ in answers[:allowed]] == [204] * allowed
    assert {status for status, _, _ in answers[allowed:]} == {429}
    assert all(int(retry or 0) >= 1 for _, _, retry in answers[allowed:])
    assert len(delivery.events) == allowed


def test_known_and_unknown_emails_are_limited_alike(client: TestClient) -> None:
    """The same answers, in the same order, for an account's email and an unknown one."""
    _register(client, "ann@example.com")
    known = [_answer(client, "ann@example.com") for _ in range(8)]
    unknown = [_answer(client, "nobody@example.com") for _ in range(8)]
    assert known == unknown


def test_limited_answers_take_the_same_time(client: TestClient) -> None:
    """Limited requests for a known and an unknown email: medians within 10 %."""
    _register(client, "ann@example.com")
    times: dict[str, list[float]] = {"ann@example.com": [], "nobody@example.com": []}
    for email in times:
        for _ in range(RESET_EMAIL_RULE.free + 1):
            _answer(client, email)
    for _ in range(15):
        for email, samples in times.items():
            started = time.perf_counter()
            assert _answer(client, email)[0] == 429
            samples.append(time.perf_counter() - started)
    known, unknown = (statistics.median(samples) for samples in times.values())
    assert abs(known / unknown - 1) < 0.10, (known, unknown)


def test_one_address_asking_for_many_emails_is_limited(
    client: TestClient, delivery: CapturedDelivery
) -> None:
    """Across emails, the address's own limit stops a reset-mail flood."""
    statuses = [_answer(client, f"user{i}@example.com")[0] for i in range(30)]
    allowed = RESET_ADDRESS_RULE.free + 1
    assert statuses[:allowed] == [204] * allowed
    assert set(statuses[allowed:]) == {429}


def test_the_limit_passes(client: TestClient, delivery: CapturedDelivery, clock: Clock) -> None:
    """After the wait, the customer can ask again and gets a token."""
    _register(client, "ann@example.com")
    for _ in range(RESET_EMAIL_RULE.free + 2):
        _answer(client, "ann@example.com")
    sent = len(delivery.events)
    clock.advance(seconds=RESET_EMAIL_RULE.ceiling.total_seconds() + 1)
    assert _answer(client, "ann@example.com")[0] == 204
    assert len(delivery.events) == sent + 1
