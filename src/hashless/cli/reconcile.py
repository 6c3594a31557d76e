"""``hashless reconcile``: compare the user pool with the customer table."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from hashless.cli._common import friendly_errors
from hashless.logs import configure_logging

__all__ = ["reconcile"]


@click.command()
@click.option("--fix", is_flag=True, help="Repair what can be repaired safely.")
@click.option(
    "--mass-repair",
    is_flag=True,
    help="Repair even when a large share of customers or users looks missing (which is "
    "otherwise taken for a wrong pool or database, and refused).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
@click.option(
    "--grace-minutes",
    default=60,
    show_default=True,
    type=click.IntRange(1),
    help="Cognito users younger than this are never deleted (registrations in flight).",
)
@friendly_errors
def reconcile(fix: bool, mass_repair: bool, as_json: bool, grace_minutes: int) -> None:
    """Find Cognito users without a customer and customers without their Cognito user.

    Only users hashless made are looked at (``cus_`` ids, or ids of its customers):
    another application's users in a shared pool are counted and left alone. Exits 1
    if anything that needs attention is left unrepaired.
    """
    from hashless.config import load_settings
    from hashless.errors import ConfigurationError
    from hashless.ops import reconcile as ops
    from hashless.service.cognito_setup import cognito_client, cognito_store
    from hashless.service.wiring import host_for, open_database

    settings, cognito = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    host = host_for(settings)
    host.allow("reconcile")
    if not cognito.configured or not cognito.user_pool_id or not cognito.client_id:
        raise ConfigurationError(
            "reconcile needs the pool: set COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID"
        )
    client = cognito_client(cognito)
    store = cognito_store(cognito, client=client)
    db = open_database(settings, apply_migrations=False, host=host)
    try:
        report = ops.reconcile(
            db,
            client,
            store,
            user_pool_id=cognito.user_pool_id,
            fix=fix,
            mass_repair=mass_repair,
            grace=timedelta(minutes=grace_minutes),
        )
    finally:
        db.engine.dispose()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        click.echo(f"{report.cognito_users:,} Cognito users, {report.customers:,} live customers")
        if report.foreign_users:
            click.echo(
                f"  {report.foreign_users:,} of the users are not hashless' (neither a cus_ id "
                "nor a customer's id: another application's): left alone"
            )
        for d in report.discrepancies:
            state = (
                "repaired"
                if d.repaired
                else ("repairable with --fix" if d.repairable else "left alone")
            )
            mark = "✓" if d.repaired else ("!" if d.kind == ops.STALE else "✗")
            click.echo(f"{mark} {d.username}  {d.kind}: {d.detail} [{state}]")
        if not report.discrepancies:
            click.echo("✓ pool and database agree")
    if report.stopped:
        click.echo(f"hashless reconcile --fix changed nothing: {report.mismatched}", err=True)
    elif report.mismatched and not fix:
        click.echo(f"hashless reconcile: warning: {report.mismatched}", err=True)
    sys.exit(1 if ops.needs_attention(report) else 0)
