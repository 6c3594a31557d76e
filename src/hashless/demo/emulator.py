"""moto's Cognito emulator in a thread of this process, on a free loopback port."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hashless.errors import ConfigurationError

__all__ = ["EMULATOR_CREDENTIALS", "running_emulator"]


@dataclass(frozen=True)
class _Keys:
    access_key_id: str = "hashless-demo"
    secret_access_key: str = "hashless-demo"


EMULATOR_CREDENTIALS = _Keys()
"""moto accepts any keys; fixed ones keep the demo off the operator's real AWS profile."""


@contextmanager
def running_emulator() -> Iterator[str]:
    """Start moto's server on 127.0.0.1 and yield its endpoint URL; stopped on exit.

    It keeps passwords in plain text in memory: they die with it, never on disk.
    """
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise ConfigurationError(
            'the local demo needs the Cognito emulator: pip install "hashless[emulator]" '
            "(or configure COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID for a real pool)"
        ) from None
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
