"""``hashless serve``: the HTTP service, or the local demo."""

from __future__ import annotations

import logging

import click

from hashless.cli._common import friendly_errors
from hashless.config import load_settings
from hashless.logs import configure_logging

__all__ = ["serve"]

log = logging.getLogger("hashless.cli")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-migrate", is_flag=True, help="Do not apply database migrations first.")
@friendly_errors
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
