"""``hashless doctor``: every setup trap of a Cognito-backed login, found and explained.

The Cognito checks (pool, app client, IAM) live in ``hashless.ops.cognito_checks``;
this module adds the store's side (hashless' own database, or the platform's checks)
and runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from hashless.config import CognitoSettings, Settings
from hashless.errors import ConfigurationError
from hashless.ops.cognito_checks import cognito_checks, credential_source
from hashless.ops.findings import Finding, Status

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from hashless.storage.layout import StoreLayout

__all__ = ["check_database", "credential_source", "run_doctor"]


def check_database(database_url: str | None, layout: StoreLayout | None = None) -> Finding:
    """The database answers, and hashless' schema in it (``layout``'s: standalone by
    default) is one hashless serves or migrates (read-only).

    A schema ``serve`` and ``migrate`` bring up themselves (none yet, right after
    ``provision``, or an older hashless revision) is a note; a schema newer than this
    code, or another application's database, fails.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from hashless.storage import STANDALONE, create_database_engine
    from hashless.storage.db import SchemaState, inspect_schema

    layout = layout or STANDALONE

    if not database_url:
        return Finding(
            "database",
            Status.FAIL,
            "HASHLESS_DATABASE_URL is not set",
            "set it to postgresql+psycopg://user@host/db or sqlite:////absolute/path/hashless.db",
        )
    try:
        engine = layout.bind(create_database_engine(database_url, pool_size=1))
    except ConfigurationError as exc:
        return Finding("database", Status.FAIL, "HASHLESS_DATABASE_URL cannot be used", str(exc))
    try:
        schema = inspect_schema(engine, layout.migrations)
    except SQLAlchemyError as exc:
        # The driver's text can repeat the URL, password included: the class name only.
        return Finding(
            "database",
            Status.FAIL,
            f"cannot reach the database ({type(getattr(exc, 'orig', exc)).__name__})",
            "check that it runs and that HASHLESS_DATABASE_URL's host, port, user and "
            "database are right",
        )
    finally:
        engine.dispose()
    applies = (
        "`hashless serve` applies them at start-up, or run `hashless migrate` first "
        "(needed before `uvicorn --factory` or `serve --no-migrate`)"
    )
    match schema.state:
        case SchemaState.CURRENT:
            return Finding("database", Status.OK, "database reachable, schema current")
        case SchemaState.EMPTY:
            return Finding(
                "database",
                Status.NOTE,
                "database reachable and empty: the schema is created at the first start",
                applies.replace("them", "it"),
            )
        case SchemaState.BEHIND:
            return Finding(
                "database",
                Status.NOTE,
                f"database reachable, schema at {schema.revision}: {schema.pending} "
                f"migration(s) to {schema.head} pending",
                applies,
            )
        case SchemaState.AHEAD:
            return Finding(
                "database",
                Status.FAIL,
                f"the database's schema is at revision {schema.revision!r}, which this "
                f"hashless does not know (its newest is {schema.head}): a newer hashless "
                "migrated it",
                "run the newer hashless version here too; this one must not serve that database",
            )
    return Finding(
        "database",
        Status.FAIL,
        "the database is not hashless': it has tables ("
        + ", ".join(schema.tables)
        + ") but no hashless schema version",
        "give hashless a database of its own (an empty one: `hashless serve` creates the "
        "schema), not the store's database; HASHLESS_DATABASE_URL may point at the wrong one",
    )


def run_doctor(
    settings: Settings,
    cognito: CognitoSettings,
    *,
    client: CognitoIdentityProviderClient | None = None,
    store_checks: Callable[[Settings], Iterable[Finding]] | None = None,
) -> list[Finding]:
    """Every check, in order; ``client`` replaces the one built from ``cognito`` (tests).

    ``store_checks``: the platform's checks of the store's database and servers
    (default: hashless' own database).
    """
    findings = list(cognito_checks(cognito, client))
    findings.extend(
        store_checks(settings) if store_checks else [check_database(settings.database_url)]
    )
    return findings
