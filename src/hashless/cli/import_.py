"""``hashless import``: customers and their legacy hashes from a file or a Medusa database."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import click

from hashless.cli._common import finish, friendly_errors
from hashless.cli._progress import progress_bar
from hashless.logs import configure_logging

if TYPE_CHECKING:
    from hashless.importing import MedusaVersion

__all__ = ["import_"]


@click.command(name="import")
@click.argument("source")
@click.option(
    "--format",
    "format_name",
    default="auto",
    show_default=True,
    help="Hash format of every row (e.g. medusa-v1, phpass, django); auto detects each row's.",
)
@click.option(
    "--from",
    "medusa",
    type=click.Choice(["medusa-v1", "medusa-v2"]),
    help="SOURCE is the URL of this Medusa version's PostgreSQL database.",
)
@click.option("--dry-run", is_flag=True, help="Check and count everything; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="The summary as one JSON object.")
@click.option(
    "--batch-size",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Rows per transaction.",
)
@friendly_errors
def import_(
    source: str,
    format_name: str,
    medusa: str | None,
    dry_run: bool,
    as_json: bool,
    batch_size: int,
) -> None:
    """Import customers from SOURCE: a .csv or .jsonl file, or a database with --from.

    File columns: email, password_hash, and optionally id, first_name, last_name,
    phone, metadata (a JSON object), created_at (ISO 8601), has_account. Running it
    again changes nothing; customers already in Cognito are never touched. Exits 1
    if any row was rejected (the summary says which and why).
    """
    from hashless.config import load_settings
    from hashless.importing import fixed_format, import_customers, open_source
    from hashless.legacy import default_registry
    from hashless.service.wiring import host_for, open_database

    settings, _ = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    host = host_for(settings)
    host.allow("import")
    registry = default_registry()
    fixed_format(registry, format_name)  # a wrong name fails before the database is touched
    reader = open_source(source, cast("MedusaVersion | None", medusa))
    db = open_database(settings, host=host)
    try:
        with progress_bar(lambda: reader.size, "importing") as update:
            summary = import_customers(
                db,
                reader,
                registry,
                format_name=format_name,
                dry_run=dry_run,
                batch_size=batch_size,
                on_progress=update,
            )
    finally:
        db.engine.dispose()
    finish(summary, as_json=as_json, failed=bool(summary.rejected_rows))
