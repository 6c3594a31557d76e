"""The one boto3 Cognito client a process shares.

A client is thread-safe and costs ~200 ms and ~10 MB to build with its session, so the
caller builds it once at start-up and hands it to every ``CognitoCredentialStore``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import boto3.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from hashless.errors import ConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["DEFAULT_MAX_POOL_CONNECTIONS", "make_cognito_client", "silence_botocore_wire_logging"]

DEFAULT_MAX_POOL_CONNECTIONS = 10
"""botocore's own default; size it to the worker's concurrency, else urllib3 discards
connections ("Connection pool is full") and every extra login pays a TLS handshake."""

# The botocore loggers whose DEBUG records carry request bodies (passwords), response
# bodies (tokens) or signing material.
_WIRE_LOGGERS = (
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.auth",
    "botocore.handlers",
    "botocore.awsrequest",
)


class _DropDebug(logging.Filter):
    """Refuses records below INFO, whatever level the operator configured."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


_DROP_DEBUG = _DropDebug()


def silence_botocore_wire_logging() -> None:
    """Keep passwords and tokens out of logs even when an operator turns on DEBUG.

    A filter on the logger itself applies to every record it creates, before any
    handler, so a root logger at DEBUG still cannot print a request body. Idempotent.
    """
    for name in _WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if _DROP_DEBUG not in logger.filters:
            logger.addFilter(_DROP_DEBUG)


def make_cognito_client(
    *,
    region: str,
    endpoint_url: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    max_pool_connections: int = DEFAULT_MAX_POOL_CONNECTIONS,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_attempts: int = 3,
) -> CognitoIdentityProviderClient:
    """Build a ``cognito-idp`` client for the pool's region.

    ``max_attempts`` counts the first try (1 = no retries), as the standard retry mode's
    own default of 3 does. With explicit keys the client uses them, else boto3's
    default credential chain. A fresh session keeps the process-global default session
    (and whatever another library configured on it) out of the picture.
    """
    if not region:
        raise ConfigurationError("COGNITO_REGION must be set to the user pool's region")
    if (access_key_id is None) != (secret_access_key is None):
        raise ConfigurationError(
            "Set both the AWS access key id and the secret access key, or neither to use "
            "the default credential chain"
        )
    if max_attempts < 1:
        raise ConfigurationError("max_attempts counts the first try and must be at least 1")
    if max_pool_connections < 1:
        raise ConfigurationError("max_pool_connections must be at least 1")
    silence_botocore_wire_logging()
    config = Config(
        region_name=region,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        max_pool_connections=max_pool_connections,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    try:
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
        )
        return session.client("cognito-idp", endpoint_url=endpoint_url, config=config)
    except BotoCoreError as exc:
        # Profile and region errors name the profile or region, never a key.
        detail = f"{type(exc).__name__}: {str(exc).rstrip('.')}"
    except ValueError:
        # botocore's text would repeat the URL, which may carry userinfo.
        detail = "COGNITO_ENDPOINT_URL is not a valid URL"
    raise ConfigurationError(
        f"Cannot build the Cognito client: {detail}. Check COGNITO_REGION, "
        "COGNITO_ENDPOINT_URL and AWS_PROFILE"
    )
