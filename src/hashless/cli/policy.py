"""``hashless policy``: the least-privilege IAM policy for the configured pool."""

from __future__ import annotations

import click

from hashless.cli._common import friendly_errors
from hashless.logs import configure_logging

__all__ = ["policy"]


@click.command()
@click.option(
    "--account-id",
    help="The AWS account owning the pool; default: read the pool's ARN from Cognito.",
)
@click.option(
    "--operator",
    is_flag=True,
    help="Add the read actions doctor and reconcile use (not needed by the service).",
)
@friendly_errors
def policy(account_id: str | None, operator: bool) -> None:
    """Print the IAM policy JSON that grants hashless exactly what it calls on the pool."""
    from hashless.config import load_settings
    from hashless.errors import ConfigurationError
    from hashless.ops.iam import pool_arn, read_pool_arn, render_policy
    from hashless.service.cognito_setup import cognito_client

    configure_logging("text")
    _, cognito = load_settings()
    if not cognito.configured or not cognito.user_pool_id:
        raise ConfigurationError(
            "COGNITO_USER_POOL_ID is not set: set it to the pool id (like eu-west-1_AbC123)"
        )
    if account_id:
        arn = pool_arn(cognito.user_pool_id, account_id, cognito.region)
    else:
        arn = read_pool_arn(cognito_client(cognito), cognito.user_pool_id)
    click.echo(render_policy(arn, operator=operator), nl=False)
