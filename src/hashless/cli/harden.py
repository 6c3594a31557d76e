"""``hashless harden``: wrap every weak legacy hash at rest in Argon2id."""

from __future__ import annotations

import re

import click

from hashless.cli._common import finish, friendly_errors
from hashless.cli._progress import progress_bar
from hashless.logs import configure_logging

__all__ = ["harden"]

_COST = re.compile(r"m=([0-9]{1,9}),t=([0-9]{1,3})(?:,p=([0-9]{1,3}))?")


@click.command()
@click.option(
    "--floor",
    default="m=19456,t=2,p=1",
    show_default=True,
    metavar="m=KIB,t=PASSES[,p=LANES]",
    help="Argon2id cost of the wrap; never below ASVS's 19 MiB and 2 passes.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be hardened; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The summary as one JSON object.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    help="Stop after hardening this many hashes (run again to continue).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Threads computing Argon2id [default: one per CPU].",
)
@friendly_errors
def harden(
    floor: str, dry_run: bool, as_json: bool, limit: int | None, workers: int | None
) -> None:
    """Wrap every legacy hash below the strength floor in Argon2id, without a login.

    Medusa v1 scrypt (N = 2), unsalted and salted MD5/SHA-1, phpass, WordPress MD5 and
    phpass, low-iteration Django PBKDF2 and Magento 2 hashes are wrapped so that the
    database no longer holds anything cheap to crack; customers still log in with
    their password and migrate to Cognito as before. Safe to interrupt and to run
    again. Exits 1 if weak hashes of a format that cannot be wrapped remain.
    """
    from hashless.config import load_settings
    from hashless.errors import ConfigurationError
    from hashless.legacy import WrapCost, default_registry
    from hashless.service.wiring import host_for, open_database
    from hashless.storage.hardening import harden_hashes

    match = _COST.fullmatch(floor)
    if match is None:
        raise ConfigurationError("--floor must look like m=19456,t=2 or m=65536,t=3,p=1")
    cost = WrapCost(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
    settings, _ = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    host = host_for(settings)
    host.allow("harden")
    db = open_database(settings, host=host)
    pending = 0  # the run counts the hashes to examine before its first batch

    def report(done: int, total: int) -> None:
        nonlocal pending
        pending = total
        update(done)

    try:
        with progress_bar(lambda: pending, "hardening") as update:
            summary = harden_hashes(
                db,
                default_registry(),
                cost,
                workers=workers,
                dry_run=dry_run,
                limit=limit,
                on_progress=report,
            )
    finally:
        db.engine.dispose()
    finish(summary, as_json=as_json, failed=bool(summary.unwrappable))
