"""The medusa-v1 platform: Medusa v1's own ``customer`` table in Medusa's database.

hashless' state (sessions, reset tokens, audit, throttle, credential marks) lives in
the schema ``HASHLESS_STATE_SCHEMA`` of that database (``hashless.storage.hosted``);
``records.py`` and ``customers.py`` name every Medusa column hashless writes.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.engine import make_url

from hashless.config import Settings
from hashless.errors import ConfigurationError
from hashless.platforms.host import Host
from hashless.platforms.medusa_v1.customers import MedusaCustomers
from hashless.storage.hosted import hosted_migrations, state_engine
from hashless.storage.layout import StoreLayout

__all__ = ["REFUSALS", "medusa_v1_host", "medusa_v1_layout"]

REFUSALS = {
    "import": (
        "HASHLESS_PLATFORM=medusa-v1 serves Medusa's own customers where they are: "
        "`hashless import` would copy their hashes into a second table. Nothing to import; "
        "each customer migrates at the first login through hashless (`hashless status` "
        "shows how far it has come)"
    ),
    "harden": (
        "`hashless harden` rewrites hashes in hashless' own customer table; with "
        "HASHLESS_PLATFORM=medusa-v1 the hashes are Medusa's, and a rewritten one would no "
        "longer open Medusa's own login either. They leave at each customer's first login"
    ),
}


def medusa_v1_layout(state_schema: str) -> StoreLayout:
    return StoreLayout(
        customers=MedusaCustomers,
        migrations=hosted_migrations(state_schema),
        bind=partial(state_engine, schema=state_schema),
    )


def medusa_v1_host(settings: Settings) -> Host:
    """The host over Medusa's database; refuses settings that cannot serve it."""
    if settings.database_url and make_url(settings.database_url).get_backend_name() != (
        "postgresql"
    ):
        raise ConfigurationError(
            "HASHLESS_PLATFORM=medusa-v1 needs HASHLESS_DATABASE_URL to be Medusa's own "
            "PostgreSQL database (postgresql+psycopg://user@host/medusa)"
        )
    if not settings.medusa_url:
        raise ConfigurationError(
            "HASHLESS_PLATFORM=medusa-v1 needs HASHLESS_MEDUSA_URL, the Medusa server "
            "(e.g. http://127.0.0.1:9000)"
        )
    if settings.medusa_jwt_secret is None:
        raise ConfigurationError(
            "HASHLESS_PLATFORM=medusa-v1 needs HASHLESS_MEDUSA_JWT_SECRET, Medusa's "
            "projectConfig.jwt_secret"
        )
    return Host(
        "medusa-v1",
        medusa_v1_layout(settings.state_schema),
        serves_profile=False,
        refusals=REFUSALS,
        medusa_url=settings.medusa_url.rstrip("/"),
        medusa_jwt_secret=settings.medusa_jwt_secret,
    )
