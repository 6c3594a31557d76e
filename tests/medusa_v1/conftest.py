"""hashless' service in medusa-v1 mode over Medusa's own tables (no Medusa server); the
standalone service's ``context`` (for the pass-through against a stand-in Medusa); and the
real Medusa v1 stack (``real_stack``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import MigrationEngine
from hashless.platforms.host import Host
from hashless.platforms.medusa_v1 import REFUSALS
from hashless.service import ServiceContext, create_app
from hashless.service.migration_audit import migration_auditor
from hashless.storage import Database
from tests.importing.medusa import medusa_v1_hash
from tests.medusa_v1.real_stack import medusa_stack, node, webhook
from tests.service import conftest as service
from tests.service.conftest import ADMIN_TOKEN, CapturedDelivery, clock, context

__all__ = ["clock", "context", "medusa_stack", "node", "webhook"]

store = service.store
delivery = service.delivery
"""The service suite's fake pool and reset delivery, for the same routes here."""

AddMedusa = Callable[..., str]


@pytest.fixture
def medusa_context(
    medusa_v1_db: Database, store: InMemoryCredentialStore, delivery: CapturedDelivery
) -> ServiceContext:
    return ServiceContext(
        engine=MigrationEngine(
            medusa_v1_db.records,
            store,
            default_registry(),
            observer=migration_auditor(medusa_v1_db),
        ),
        db=medusa_v1_db,
        reset_delivery=delivery,
        admin_token=ADMIN_TOKEN,
        cookie_secure=False,
        failure_floor_seconds=0.0,
        host=Host(
            "medusa-v1",
            medusa_v1_db.layout,
            refusals=REFUSALS,
            medusa_url="http://medusa.invalid",
            serves_profile=False,
        ),
    )


@pytest.fixture
def client(medusa_context: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(medusa_context)) as test_client:
        yield test_client


@pytest.fixture
def add_medusa(medusa_v1_db: Database) -> AddMedusa:
    """Adds a row to Medusa's ``customer`` as Medusa's own register route would (a
    scrypt-kdf hash of ``password``); returns its id."""

    def add(email: str, password: str | None, **columns: Any) -> str:
        values = {
            "id": new_customer_id(),
            "email": email,
            "password_hash": medusa_v1_hash(password) if password is not None else None,
            "has_account": True,
            **columns,
        }
        names = ", ".join(values)
        with medusa_v1_db.engine.begin() as connection:
            connection.execute(
                text(f"INSERT INTO public.customer ({names}) VALUES (:{', :'.join(values)})"),
                values,
            )
        return str(values["id"])

    return add


def medusa_row(db: Database, customer_id: str) -> dict[str, Any]:
    """Medusa's ``customer`` row as Medusa's own code would read it."""
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM public.customer WHERE id = :id"), {"id": customer_id}
        ).one()
    return dict(row._mapping)
