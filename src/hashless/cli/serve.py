"""``hashless serve``: the HTTP service, or the local demo."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from hashless.cli._common import friendly_errors
from hashless.config import load_settings
from hashless.errors import ConfigurationError
from hashless.logs import configure_logging

__all__ = ["serve"]

log = logging.getLogger("hashless.cli")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-migrate", is_flag=True, help="Do not apply database migrations first.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes; they share state through the database, metrics in one folder.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="How much to log (default: HASHLESS_LOG_LEVEL, else info). No level logs secrets.",
)
@friendly_errors
def serve(host: str, port: int, no_migrate: bool, workers: int, log_level: str | None) -> None:
    """Serve the Medusa v1 store API; a throw-away demo when no pool is configured."""
    import uvicorn

    from hashless.service import create_app
    from hashless.service.request_id import current_request_id

    if log_level:
        # Through the environment, so that worker processes, which read it, follow.
        os.environ["HASHLESS_LOG_LEVEL"] = log_level.lower()
    settings, cognito = load_settings()
    # Explicit, also for --workers (uvicorn's own default trusts X-Forwarded-For from
    # 127.0.0.1, which is wrong both without a proxy and behind one on another host).
    proxies = settings.proxy_settings
    if not cognito.configured:
        if settings.platform != "standalone":
            # The demo is hashless' own throw-away store; it never stands in front of one.
            raise ConfigurationError(
                f"HASHLESS_PLATFORM={settings.platform} needs the pool: set "
                "COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID (`hashless provision` makes one)"
            )
        if workers > 1:
            raise ConfigurationError(
                "--workers needs a real pool and database: the demo's in-process Cognito "
                "emulator and temporary database cannot be shared between processes. Drop "
                "--workers, or set COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID and "
                "HASHLESS_DATABASE_URL"
            )
        from hashless.demo.run import demo_context

        configure_logging("text", settings.log_level, request_id=current_request_id.get)
        with demo_context(settings) as (context, info):
            click.echo(info.banner(port))
            uvicorn.run(create_app(context), host=host, port=port, log_config=None, **proxies)
        return

    from hashless.service.wiring import (
        APP_FACTORY,
        context_from_environment,
        open_database,
        serving_app,
    )

    configure_logging(settings.log_format, settings.log_level, request_id=current_request_id.get)
    if settings.platform == "medusa-v2":
        # Only hashless' own state schema is migrated, once, before any worker starts.
        from hashless.platforms.medusa_v2.app import medusa_v2_engine, migrate_state
        from hashless.service.wiring import medusa_v2_app_from_environment

        if not no_migrate:
            medusa = medusa_v2_engine(settings)
            migrate_state(medusa, settings.state_schema)
            medusa.dispose()
        app = medusa_v2_app_from_environment() if workers == 1 else APP_FACTORY
        uvicorn.run(
            app,
            factory=workers > 1,
            workers=workers,
            host=host,
            port=port,
            log_config=None,
            **proxies,
        )
        return
    # Migrated once, here, before any worker starts: workers never race to migrate.
    open_database(settings, apply_migrations=not no_migrate).engine.dispose()
    # Built here even for several workers, so a setting that is wrong stops start-up
    # with one line instead of a traceback from every worker.
    context = context_from_environment()
    if context.admin_token is None:
        log.warning("HASHLESS_ADMIN_TOKEN is not set: the admin API answers 401")
    if workers == 1:
        uvicorn.run(serving_app(context), host=host, port=port, log_config=None, **proxies)
        return
    context.db.engine.dispose()
    with metrics_folder():
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_config=None,
            **proxies,
        )


_FOLDER_PREFIX = "hashless-metrics-"


@contextmanager
def metrics_folder() -> Iterator[Path]:
    """A fresh private folder for the workers' metric files (Prometheus' multiprocess
    mode), removed at exit; folders that a killed ``serve`` left behind go at start.

    Its name carries this process's id, so a folder whose process is gone is known stale.
    """
    for stale in Path(tempfile.gettempdir()).glob(f"{_FOLDER_PREFIX}*"):
        if _left_behind(stale):
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-"))
    previous = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    # Spawned workers read it when they import prometheus-client.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = previous
        shutil.rmtree(folder, ignore_errors=True)


def _left_behind(folder: Path) -> bool:
    """A folder of ours (not a link planted in the shared temp folder) whose ``serve``
    process is gone."""
    try:
        info = folder.lstat()
        pid = int(folder.name.removeprefix(_FOLDER_PREFIX).split("-", 1)[0])
    except (OSError, ValueError):
        return False
    if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
