"""``hashless doctor``: check the pool, app client, IAM permissions and database."""

from __future__ import annotations

import json
import logging
import sys

import click

from hashless.cli._common import friendly_errors
from hashless.logs import configure_logging

__all__ = ["doctor"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
@friendly_errors
def doctor(as_json: bool) -> None:
    """Check every setting hashless depends on; each problem comes with its fix.

    Exits 1 if any check fails (✗); warnings (!) do not fail. Probes IAM with calls
    that change nothing, except one AdminCreateUser whose user is deleted again.
    """
    from pydantic import ValidationError

    from hashless.config import CognitoSettings, Settings, load_settings
    from hashless.ops.doctor import run_doctor
    from hashless.ops.findings import failed, render_findings
    from hashless.service.wiring import STORE_CHECKS

    configure_logging("text", logging.WARNING)
    try:
        # Unchecked on purpose: doctor explains a pool name or a wrong region itself.
        settings, cognito = Settings(), CognitoSettings()
    except ValidationError:
        load_settings()  # raises the one-line error naming the setting
        raise
    findings = run_doctor(settings, cognito, store_checks=STORE_CHECKS[settings.platform])
    if as_json:
        click.echo(
            json.dumps(
                {"ok": not failed(findings), "checks": [f.to_json() for f in findings]}, indent=2
            )
        )
    else:
        click.echo(render_findings(findings), nl=False)
    sys.exit(1 if failed(findings) else 0)
