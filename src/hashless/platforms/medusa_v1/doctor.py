"""``hashless doctor`` for a Medusa v1 store: its database, its server, its JWT secret.

Read-only: one SELECT on the schema catalogue, a ``GET /health``, and one
``GET /store/customers/me`` with a token minted for a customer id that cannot exist.
Medusa answers that 404 when it accepted the token's signature (no such customer)
and 401 when it did not (another ``jwt_secret``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hashless.config import Settings
from hashless.errors import ConfigurationError
from hashless.ops.doctor import check_database
from hashless.ops.findings import Finding, Status
from hashless.platforms.medusa_v1 import medusa_v1_layout
from hashless.platforms.medusa_v1.tokens import mint_store_token
from hashless.storage import create_database_engine

__all__ = ["PROBE_CUSTOMER_ID", "medusa_v1_checks"]

PROBE_CUSTOMER_ID = "cus_hashless_doctor_probe"
"""Not a ULID, so never a customer Medusa made."""

_CUSTOMER_COLUMNS = {"id", "email", "password_hash", "has_account", "deleted_at"}
_TIMEOUT = httpx.Timeout(5.0)


def _medusa_schema(database_url: str) -> Finding:
    try:
        engine = create_database_engine(database_url, pool_size=1)
    except ConfigurationError as exc:
        return Finding(
            "medusa.schema", Status.FAIL, "HASHLESS_DATABASE_URL cannot be used", str(exc)
        )
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema()"
                    " AND table_name IN ('customer', 'staged_job')"
                )
            ).all()
    except SQLAlchemyError as exc:
        # The driver's text can repeat the URL, password included: the class name only.
        return Finding(
            "medusa.schema",
            Status.FAIL,
            f"cannot reach Medusa's database ({type(getattr(exc, 'orig', exc)).__name__})",
            "check that HASHLESS_DATABASE_URL is Medusa's own database_url",
        )
    finally:
        engine.dispose()
    customer = {column for table, column in rows if table == "customer"}
    missing = sorted(_CUSTOMER_COLUMNS - customer)
    if missing or not any(table == "staged_job" for table, _ in rows):
        return Finding(
            "medusa.schema",
            Status.FAIL,
            "the database holds no Medusa v1 schema"
            + (f" (customer lacks {', '.join(missing)})" if customer and missing else ""),
            "point HASHLESS_DATABASE_URL at Medusa v1's database (projectConfig.database_url) "
            "after `medusa migrations run`; a Medusa v2 store is HASHLESS_PLATFORM=medusa-v2",
        )
    return Finding("medusa.schema", Status.OK, "Medusa v1's customer table found")


def _server(settings: Settings, client: httpx.Client) -> Iterator[Finding]:
    url = (settings.medusa_url or "").rstrip("/")
    if not url:
        yield Finding(
            "medusa.url",
            Status.FAIL,
            "HASHLESS_MEDUSA_URL is not set",
            "set it to the Medusa server, e.g. http://127.0.0.1:9000",
        )
        return
    try:
        health = client.get(f"{url}/health")
    except httpx.HTTPError as exc:
        yield Finding(
            "medusa.url",
            Status.FAIL,
            f"Medusa at {url} does not answer ({type(exc).__name__})",
            "start Medusa (`medusa start`) or fix HASHLESS_MEDUSA_URL",
        )
        return
    if health.status_code != 200:
        yield Finding(
            "medusa.url",
            Status.FAIL,
            f"{url}/health answers {health.status_code}",
            "HASHLESS_MEDUSA_URL must be the Medusa server itself",
        )
        return
    yield Finding("medusa.url", Status.OK, f"Medusa answers at {url}")
    if settings.medusa_jwt_secret is None:
        yield Finding(
            "medusa.jwt-secret",
            Status.FAIL,
            "HASHLESS_MEDUSA_JWT_SECRET is not set",
            "set it to Medusa's projectConfig.jwt_secret (JWT_SECRET in Medusa's environment)",
        )
        return
    token = mint_store_token(PROBE_CUSTOMER_ID, settings.medusa_jwt_secret.get_secret_value())
    try:
        probe = client.get(
            f"{url}/store/customers/me", headers={"authorization": f"Bearer {token}"}
        )
    except httpx.HTTPError as exc:
        yield Finding(
            "medusa.jwt-secret",
            Status.FAIL,
            f"Medusa stopped answering ({type(exc).__name__})",
            "check Medusa's logs",
        )
        return
    if probe.status_code == 404 and len(settings.medusa_jwt_secret.get_secret_value()) < 32:
        yield Finding(
            "medusa.jwt-secret",
            Status.WARN,
            "Medusa accepts tokens hashless signs, but its jwt_secret is short (Medusa's "
            'fallback is "supersecret"): whoever guesses it can sign in as any customer',
            "give Medusa a random jwt_secret of 32 bytes or more (openssl rand -hex 32) and "
            "the same to HASHLESS_MEDUSA_JWT_SECRET",
        )
    elif probe.status_code == 404:
        yield Finding("medusa.jwt-secret", Status.OK, "Medusa accepts tokens hashless signs")
    elif probe.status_code == 401:
        yield Finding(
            "medusa.jwt-secret",
            Status.FAIL,
            "Medusa refuses tokens signed with HASHLESS_MEDUSA_JWT_SECRET",
            "set it to the jwt_secret of Medusa's medusa-config.js (Medusa falls back to "
            '"supersecret" when unset)',
        )
    else:
        yield Finding(
            "medusa.jwt-secret",
            Status.WARN,
            f"Medusa answered a signed probe with {probe.status_code}, not 404 or 401",
            "check that HASHLESS_MEDUSA_URL is a Medusa v1 server",
        )


def medusa_v1_checks(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> list[Finding]:
    """Medusa's database and schema, hashless' state schema in it, Medusa's server and
    secret; ``transport`` stands in for the network (tests)."""
    findings = []
    if settings.database_url:
        findings.append(_medusa_schema(settings.database_url))
    findings.append(check_database(settings.database_url, medusa_v1_layout(settings.state_schema)))
    with httpx.Client(transport=transport, timeout=_TIMEOUT) as client:
        findings.extend(_server(settings, client))
    return findings
