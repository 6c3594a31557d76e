"""``hashless``: serve, migrate, provision."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hashless import __version__
from hashless.config import load_settings
from hashless.errors import ConfigurationError, HashlessError
from hashless.logs import configure_logging

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("hashless.cli")


def _friendly_errors(command: F) -> F:
    """Every configuration problem ends the command with one line saying the fix."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigurationError as exc:
            click.echo(f"hashless: {exc}", err=True)
            sys.exit(2)
        except HashlessError as exc:
            click.echo(f"hashless: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="hashless")
def main() -> None:
    """Keep customers' passwords in AWS Cognito, out of the store's database."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-migrate", is_flag=True, help="Do not apply database migrations first.")
@_friendly_errors
def serve(host: str, port: int, no_migrate: bool) -> None:
    """Serve the Medusa v1 store API; a throw-away demo when no pool is configured."""
    import uvicorn

    from hashless.service import create_app

    settings, cognito = load_settings()
    if not cognito.configured:
        from hashless.demo.run import demo_context

        configure_logging("text")
        with demo_context(settings) as (context, info):
            click.echo(info.banner(port))
            uvicorn.run(create_app(context), host=host, port=port, log_config=None)
        return

    from hashless.service.wiring import build_context, cognito_store, open_database

    configure_logging(settings.log_format)
    db = open_database(settings, apply_migrations=not no_migrate)
    context = build_context(
        settings, store=cognito_store(cognito, concurrency=settings.concurrency), db=db
    )
    if context.admin_token is None:
        log.warning("HASHLESS_ADMIN_TOKEN is not set: the admin API answers 401")
    uvicorn.run(create_app(context), host=host, port=port, log_config=None)


@main.command()
@_friendly_errors
def migrate() -> None:
    """Apply the database migrations to HASHLESS_DATABASE_URL."""
    from hashless.service.wiring import open_database

    settings, _ = load_settings()
    configure_logging(settings.log_format)
    open_database(settings)
    click.echo("hashless: database schema is current")


@main.command()
@click.option("--pool-name", default="hashless", show_default=True)
@click.option("--client-name", default="hashless-server", show_default=True)
@click.option("--with-secret", is_flag=True, help="Give the app client a secret.")
@click.option(
    "--region",
    envvar="COGNITO_REGION",
    default=None,
    help="Region for the new pool (default: COGNITO_REGION, AWS_REGION or us-east-1).",
)
@_friendly_errors
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
