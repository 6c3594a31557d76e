"""``hashless provision``: create a user pool and app client the way hashless expects."""

from __future__ import annotations

import click

from hashless.cli._common import friendly_errors
from hashless.logs import configure_logging

__all__ = ["provision"]


@click.command()
@click.option("--pool-name", default="hashless", show_default=True)
@click.option("--client-name", default="hashless-server", show_default=True)
@click.option("--with-secret", is_flag=True, help="Give the app client a secret.")
@click.option(
    "--region",
    envvar="COGNITO_REGION",
    default=None,
    help="Region for the new pool (default: COGNITO_REGION, AWS_REGION or us-east-1).",
)
@friendly_errors
def provision(pool_name: str, client_name: str, with_secret: bool, region: str | None) -> None:
    """Create a user pool and app client; print their settings as KEY=value lines.

    The pool's password policy follows NIST SP 800-63B (at least 8 characters, no
    composition rules); the client allows ALLOW_ADMIN_USER_PASSWORD_AUTH. Uses
    COGNITO_ENDPOINT_URL when set (an emulator), else AWS.
    """
    import os

    from hashless.config import CognitoSettings
    from hashless.credentials.client import make_cognito_client
    from hashless.credentials.provision import provision_pool, render_settings

    configure_logging("text")
    cognito = CognitoSettings()
    region = region or os.environ.get("AWS_REGION") or "us-east-1"
    client = make_cognito_client(
        region=region,
        endpoint_url=cognito.endpoint_url,
        access_key_id=cognito.access_key_id,
        secret_access_key=(
            cognito.secret_access_key.get_secret_value() if cognito.secret_access_key else None
        ),
    )
    pool = provision_pool(
        client, pool_name=pool_name, client_name=client_name, generate_secret=with_secret
    )
    click.echo(render_settings(pool, endpoint_url=cognito.endpoint_url), nl=False)
