"""``hashless status``: how far the migration has come, and the exposure left."""

from __future__ import annotations

import json

import click

from hashless.cli._common import friendly_errors
from hashless.logs import configure_logging

__all__ = ["status"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option(
    "--days",
    default=14,
    show_default=True,
    type=click.IntRange(1, 366),
    help="Days of history in the chart.",
)
@friendly_errors
def status(as_json: bool, days: int) -> None:
    """Customers by credential state, % migrated, weak and blocked hashes, migrations per day."""
    from hashless.config import load_settings
    from hashless.legacy import default_registry
    from hashless.ops.status import collect_status, render_status
    from hashless.service.wiring import open_database

    settings, _ = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    db = open_database(settings, apply_migrations=False)
    try:
        report = collect_status(db, default_registry(), days=days)
    finally:
        db.engine.dispose()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(render_status(report), nl=False)
