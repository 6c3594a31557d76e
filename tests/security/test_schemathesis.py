"""Property-based requests generated from the service's own OpenAPI: never a server error.

Run on both backends: PostgreSQL refuses values SQLite accepts (NUL in text).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.service import ServiceContext, create_app
from hashless.service.reset_delivery import NoDelivery
from hashless.storage import Database, LegacyCustomer
from tests.service.conftest import ADMIN_TOKEN


def _app(db: Database) -> object:
    db.customers.insert_legacy(
        [
            LegacyCustomer(
                email="fuzz@example.com", legacy_format="medusa-v1", legacy_hash="bm90IGEgaGFzaA=="
            )
        ],
        new_customer_id,
    )
    context = ServiceContext(
        engine=MigrationEngine(db.records, InMemoryCredentialStore(), default_registry()),
        db=db,
        reset_delivery=NoDelivery(),
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
    )
    context.reset_floor.minimum = 0.0
    return create_app(context)


def test_no_server_errors(db: Database) -> None:
    """Whatever the generated body, path or query, every operation answers below 500."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", _app(db))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers={"x-medusa-access-token": ADMIN_TOKEN})
            assert response.status_code < 500, (case.method, case.path, response.text[:300])

        check()
