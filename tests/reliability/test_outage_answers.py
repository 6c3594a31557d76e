"""During a Cognito outage, logins tell nobody who has an account (issue 12, item 2).

The service as production wires it, Cognito as moto_server behind the fault proxy,
in two outages: slow (the proxy never answers; botocore's read timeout) and down
(nothing listens: connection refused). Once the first failure has marked the store
unavailable, wrong passwords of unknown emails, of migrated customers and of Medusa
v1 and v2 legacy customers, and right passwords of migrated customers, all answer
the same 503 with the same headers, and their median answer times differ by less
than 10 % (the timing harness of ``tests/security/test_timing.py``; measured 2-5 %
on a loaded machine, where main answers 401 at 0.3 s against 503 after the timeout).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid

import httpx
from fastapi.testclient import TestClient

from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.provision import ProvisionedPool
from hashless.demo.run import DEMO_CUSTOMERS
from hashless.identity import new_customer_id
from hashless.service import ServiceContext
from hashless.service.timing import FailureFloor
from hashless.storage import LegacyCustomer
from tests.reliability.servers import CountingProxy, Fault, free_port
from tests.reliability.test_cognito_faults import PASSWORD, migrated, serve

SAMPLES = 30
WARM_UP = 5
CONCURRENCY = 10
READ_TIMEOUT = 2.0
"""The slow outage's read timeout: beyond the outage deadline, so answers are cut there."""

KINDS = ("unknown", "migrated", "migrated, right password", "medusa-v1", "medusa-v2")


def _context(client: TestClient) -> ServiceContext:
    context: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    return context


def _customers(
    client: TestClient, cognito: CognitoCredentialStore, count: int
) -> dict[str, list[tuple[str, str]]]:
    """Per kind, ``count`` (email, password) pairs of logins that do not succeed normally."""
    db = _context(client).db
    v1, v2 = DEMO_CUSTOMERS
    plan: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    legacy: list[LegacyCustomer] = []
    for _ in range(count):
        plan["unknown"].append((f"nobody-{uuid.uuid4().hex[:10]}@example.com", "wrong password"))
        plan["migrated"].append((migrated(client, cognito).email, "wrong password"))
        plan["migrated, right password"].append((migrated(client, cognito).email, PASSWORD))
        for kind, customer in (("medusa-v1", v1), ("medusa-v2", v2)):
            email = f"{kind}-{uuid.uuid4().hex[:10]}@example.com"
            legacy.append(LegacyCustomer(email, customer.legacy_format, customer.legacy_hash))
            plan[kind].append((email, "wrong password"))
    db.customers.insert_legacy(legacy, new_customer_id)
    return plan


async def _measure(
    client: TestClient, plan: dict[str, list[tuple[str, str]]]
) -> tuple[dict[str, list[float]], set[tuple[int, str, str | None]]]:
    """Answer times per kind (after the warm-up) and every distinct (status, body,
    Retry-After) seen."""
    app = client.app
    attempts = [(kind, i) for kind in KINDS for i in range(len(plan[kind]))]
    random.Random(11).shuffle(attempts)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    answers: set[tuple[int, str, str | None]] = set()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(number: int, kind: str, i: int) -> None:
        # A distinct client address per attempt keeps the address limit out of the way.
        address = (f"10.7.{number // 250}.{number % 250}", 1)
        transport = httpx.ASGITransport(app=app, client=address)  # type: ignore[arg-type]
        email, password = plan[kind][i]
        async with gate, httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            started = time.perf_counter()
            response = await http.post("/store/auth", json={"email": email, "password": password})
            elapsed = time.perf_counter() - started
        answers.add((response.status_code, response.text, response.headers.get("retry-after")))
        if i >= WARM_UP:
            times[kind].append(elapsed)

    await asyncio.gather(*(attempt(n, kind, i) for n, (kind, i) in enumerate(attempts)))
    return times, answers


def _outage_answers(client: TestClient, cognito: CognitoCredentialStore) -> None:
    _context(client).guard.floor = FailureFloor(0.3)  # the production default
    plan = _customers(client, cognito, SAMPLES + WARM_UP)
    # The login that finds the outage: the store is marked unavailable from here on.
    discovery = migrated(client, cognito)
    found = client.post("/store/auth", json={"email": discovery.email, "password": "wrong"})
    assert found.status_code == 503
    times, answers = asyncio.run(_measure(client, plan))
    assert len(answers) == 1, answers
    ((status, _, retry_after),) = answers
    assert status == 503 and retry_after is not None
    medians = {kind: statistics.median(samples) for kind, samples in times.items()}
    spread = max(medians.values()) / min(medians.values()) - 1
    report = ", ".join(f"{kind} {m * 1000:.0f} ms" for kind, m in medians.items())
    print(f"\noutage login medians: {report}; spread {spread:.2%}")
    assert spread < 0.10, report


def test_a_slow_cognito_answers_every_login_alike(
    proxy: CountingProxy,
    pool: ProvisionedPool,
    cognito: CognitoCredentialStore,
    tmp_path: object,
) -> None:
    """Cognito never answers (read timeouts): one status, body, Retry-After and answer
    time for every kind of login."""
    with serve(proxy.url, pool, tmp_path, READ_TIMEOUT) as client:  # type: ignore[arg-type]
        proxy.inject("AdminInitiateAuth", Fault(hang=True))
        try:
            _outage_answers(client, cognito)
        finally:
            proxy.clear()


def test_a_refused_cognito_answers_every_login_alike(
    pool: ProvisionedPool, cognito: CognitoCredentialStore, tmp_path: object
) -> None:
    """Nothing listens where Cognito should be: the same, though each call fails at once."""
    with serve(f"http://127.0.0.1:{free_port()}", pool, tmp_path, READ_TIMEOUT) as client:  # type: ignore[arg-type]
        _outage_answers(client, cognito)


def test_the_first_answer_from_cognito_lifts_the_mark(
    proxy: CountingProxy,
    pool: ProvisionedPool,
    cognito: CognitoCredentialStore,
    tmp_path: object,
) -> None:
    """Once Cognito answers again (here a wrong password), unknown emails are 401 again."""
    with serve(proxy.url, pool, tmp_path, READ_TIMEOUT) as client:  # type: ignore[arg-type]
        customer = migrated(client, cognito)
        wrong = {"email": customer.email, "password": "wrong password"}
        unknown = {"email": "nobody@example.com", "password": "wrong password"}
        proxy.inject("AdminInitiateAuth", Fault("InternalErrorException", "boom", status=500))
        assert client.post("/store/auth", json=wrong).status_code == 503
        assert client.post("/store/auth", json=unknown).status_code == 503
        proxy.clear()
        assert client.post("/store/auth", json=wrong).status_code == 401
        assert client.post("/store/auth", json=unknown).status_code == 401
        assert client.post("/store/auth", json={**wrong, "password": PASSWORD}).status_code == 200
