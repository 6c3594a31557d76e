"""``hashless migrate``: bring the database schema up to date."""

from __future__ import annotations

import click

from hashless.cli._common import friendly_errors
from hashless.config import load_settings
from hashless.logs import configure_logging

__all__ = ["migrate"]


@click.command()
@friendly_errors
def migrate() -> None:
    """Apply the database migrations to HASHLESS_DATABASE_URL."""
    from hashless.service.wiring import open_database

    settings, _ = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    open_database(settings)
    click.echo("hashless: database schema is current")
