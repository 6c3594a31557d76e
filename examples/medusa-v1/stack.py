"""hashless in front of a real Medusa v1, with moto standing in for Cognito.

``run.py`` (the example) and ``tests/medusa_v1`` (the suite) build the same stack from
these pieces: a moto server with a pool made by ``hashless provision``, and
``hashless serve`` with ``HASHLESS_PLATFORM=medusa-v1`` on Medusa's own database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from medusa_backend import (
    MedusaError,
    MedusaServer,
    free_port,
    http_status,
    running_process,
    wait_until,
)

__all__ = [
    "BIN",
    "Hashless",
    "clean_env",
    "hashless_env",
    "running_cognito_stand_in",
    "running_hashless",
]

BIN = Path(sys.executable).parent
"""The environment hashless is installed in (``dev.py``'s ``.venv``)."""
WAIT = 60.0
AWS = {
    "COGNITO_REGION": "us-east-1",
    "COGNITO_ACCESS_KEY_ID": "testing",
    "COGNITO_SECRET_ACCESS_KEY": "testing",
}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any hashless, Cognito or proxy settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("HASHLESS_", "COGNITO_"))
        and not key.lower().endswith("_proxy")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextmanager
def running_cognito_stand_in(workdir: Path) -> Iterator[dict[str, str]]:
    """A moto server with a user pool from ``hashless provision``: its ``COGNITO_*`` settings."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = workdir / "moto.log"
    moto = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with running_process(moto, clean_env(), log) as process:
        wait_until(lambda: http_status(endpoint) is not None, process, "moto server", log)
        settings = {**AWS, "COGNITO_ENDPOINT_URL": endpoint}
        provisioned = subprocess.run(
            [str(BIN / "hashless"), "provision"],
            cwd=workdir,
            env=clean_env(**settings),
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )
        if provisioned.returncode != 0:
            raise MedusaError(
                f"hashless provision failed:\n{provisioned.stdout}{provisioned.stderr}"
            )
        for line in provisioned.stdout.splitlines():
            if re.match(r"^COGNITO_[A-Z_]+=", line):
                key, value = line.split("=", 1)
                settings[key] = value
        yield settings


def hashless_env(
    medusa: MedusaServer, cognito: Mapping[str, str], **settings: str
) -> dict[str, str]:
    """``hashless serve``'s environment for Medusa v1 mode on Medusa's own database."""
    return clean_env(
        **{
            **cognito,
            "HASHLESS_PLATFORM": "medusa-v1",
            "HASHLESS_DATABASE_URL": medusa.database_url,
            "HASHLESS_MEDUSA_URL": medusa.url,
            "HASHLESS_MEDUSA_JWT_SECRET": medusa.jwt_secret,
            "HASHLESS_COOKIE_SECURE": "false",
            **settings,
        }
    )


@dataclass(frozen=True)
class Hashless:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_hashless(
    env: Mapping[str, str], workdir: Path, *, port: int | None = None, workers: int = 1
) -> Iterator[Hashless]:
    """``hashless serve`` with ``env``, answering /health before this yields."""
    port = port or free_port()
    command = [str(BIN / "hashless"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    log = workdir / "hashless.log"
    with running_process(command, env, log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_status(f"{url}/health") == 200, process, "hashless /health", log)
        yield Hashless(url, process, log)
