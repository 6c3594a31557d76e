"""Failed logins take the same time whichever path failed (Django's CVE-2016-2513 class).

Four kinds of wrong login cost very different amounts: an unknown email (a database
read), a migrated customer (a Cognito round trip, here 40 ms injected), a Medusa v1
legacy customer (~10 µs of scrypt) and a Medusa v2 one (~160 ms of scrypt). Their
median answer times must differ by less than 5 %.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.demo.run import DEMO_CUSTOMERS
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.reset_delivery import NoDelivery
from hashless.service.timing import FailureFloor
from hashless.storage import Database, LegacyCustomer

SAMPLES = 200
WARM_UP = 30
CONCURRENCY = 8
COGNITO_LATENCY = 0.040


class SlowCognito(InMemoryCredentialStore):
    """The in-memory store behind a realistic network round trip."""

    def check(self, username: str, password: str) -> None:
        time.sleep(COGNITO_LATENCY)
        super().check(username, password)


@pytest.fixture
def context(sqlite_db: Database) -> Iterator[ServiceContext]:
    store = SlowCognito()
    engine = MigrationEngine(sqlite_db.records, store, default_registry())
    count = SAMPLES + WARM_UP
    v1, v2 = (c.legacy_hash for c in DEMO_CUSTOMERS)
    sqlite_db.customers.insert_legacy(
        [
            LegacyCustomer(email=f"v1-{i}@example.com", legacy_format="medusa-v1", legacy_hash=v1)
            for i in range(count)
        ]
        + [
            LegacyCustomer(email=f"v2-{i}@example.com", legacy_format="medusa-v2", legacy_hash=v2)
            for i in range(count)
        ],
        new_customer_id,
    )
    for i in range(count):
        customer_id = new_customer_id()
        engine.register(
            customer_id,
            f"cog-{i}@example.com",
            "the right password",
            lambda cid=customer_id, n=i: sqlite_db.customers.insert_account(
                cid, f"cog-{n}@example.com"
            ),
        )
    # The production default floor (HASHLESS_LOGIN_FAILURE_FLOOR_MS=300).
    yield ServiceContext(
        engine=engine, db=sqlite_db, reset_delivery=NoDelivery(), cookie_secure=False
    )


async def _measure(context: ServiceContext, samples: int = SAMPLES) -> dict[str, list[float]]:
    app = create_app(context)
    kinds = {
        "unknown": "nobody-{}@example.com",
        "cognito": "cog-{}@example.com",
        "medusa-v1": "v1-{}@example.com",
        "medusa-v2": "v2-{}@example.com",
    }
    plan = [(kind, i) for kind in kinds for i in range(samples + WARM_UP)]
    random.Random(7).shuffle(plan)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(number: int, kind: str, i: int) -> None:
        # A distinct client address per attempt keeps the address limiter out of the way;
        # a distinct email per attempt does the same for the account limiter.
        transport = httpx.ASGITransport(app=app, client=(f"10.1.{number // 250}.{number % 250}", 1))
        async with gate, httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            started = time.perf_counter()
            response = await client.post(
                "/store/auth", json={"email": kinds[kind].format(i), "password": "wrong password"}
            )
            elapsed = time.perf_counter() - started
        assert response.status_code == 401, response.text
        if i >= WARM_UP:
            times[kind].append(elapsed)

    async with app.router.lifespan_context(app):
        await asyncio.gather(*(attempt(n, kind, i) for n, (kind, i) in enumerate(plan)))
    return times


def test_failed_login_medians_differ_by_less_than_5_percent(context: ServiceContext) -> None:
    """Unknown email, migrated, Medusa v1 and v2 customers: medians within 5 % of each other."""
    times = asyncio.run(_measure(context))
    medians = {kind: statistics.median(samples) for kind, samples in times.items()}
    assert all(len(samples) == SAMPLES for samples in times.values())
    spread = max(medians.values()) / min(medians.values()) - 1
    report = ", ".join(f"{kind} {m * 1000:.1f} ms" for kind, m in medians.items())
    print(f"\nfailed-login medians: {report}; spread {spread:.2%}")
    assert spread < 0.05, report


def test_without_the_floor_the_paths_are_told_apart(context: ServiceContext) -> None:
    """The same measurement with padding switched off shows the leak the floor closes."""
    context.guard.floor = FailureFloor(0.0, ceiling=0.0)
    times = asyncio.run(_measure(context, samples=40))
    medians = {kind: statistics.median(samples) for kind, samples in times.items()}
    # Against an unknown email (the enumeration leak): a Medusa v1 check may queue
    # behind Medusa v2 ones for a verification slot, which blurs v1 against v2.
    assert medians["medusa-v2"] / medians["unknown"] - 1 > 0.5
