"""The Cognito side of a worker: its clients, its credential store, its quota, built
from settings as every worker (``hashless.service.wiring``) and the CLI commands that
call Cognito need them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hashless.config import CognitoSettings, Settings
from hashless.credentials.client import DEFAULT_MAX_POOL_CONNECTIONS, make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore
from hashless.credentials.protocol import CredentialStore
from hashless.credentials.shaping import (
    QuotaCategory,
    QuotaShapedStore,
    SharedTokenBuckets,
    TokenBuckets,
    default_bucket_file,
)
from hashless.service.on_loop import LOOP_AWARE, CognitoLoopTransport

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["cognito_client", "cognito_store", "quota_shaped"]


def cognito_client(
    cognito: CognitoSettings,
    *,
    concurrency: int = DEFAULT_MAX_POOL_CONNECTIONS,
    max_attempts: int = 3,
    settings: Settings | None = None,
    on_loop: list[CognitoLoopTransport] | None = None,
) -> CognitoIdentityProviderClient:
    """The process's one Cognito client, its connection pool sized to ``concurrency``,
    with the timeouts of ``settings`` (else the defaults). Given ``on_loop``, it sends
    through aiohttp when a login runs on the loop, and its transport joins the list."""
    assert cognito.region
    settings = settings or Settings()
    client = make_cognito_client(
        connect_timeout=settings.cognito_connect_timeout_ms / 1000,
        read_timeout=settings.cognito_read_timeout_ms / 1000,
        max_attempts=max_attempts,
        region=cognito.region,
        endpoint_url=cognito.endpoint_url,
        access_key_id=cognito.access_key_id,
        secret_access_key=(
            cognito.secret_access_key.get_secret_value() if cognito.secret_access_key else None
        ),
        max_pool_connections=concurrency,
    )
    if on_loop is not None:
        on_loop.append(CognitoLoopTransport.install(client))
    return client


def cognito_store(
    cognito: CognitoSettings,
    *,
    concurrency: int = DEFAULT_MAX_POOL_CONNECTIONS,
    client: CognitoIdentityProviderClient | None = None,
    settings: Settings | None = None,
    on_loop: list[CognitoLoopTransport] | None = None,
) -> CognitoCredentialStore:
    """The credential store over ``client``, or over new clients sized to ``concurrency``
    (``on_loop``: see ``cognito_client``)."""
    assert cognito.user_pool_id and cognito.client_id
    return CognitoCredentialStore(
        client
        or cognito_client(cognito, concurrency=concurrency, settings=settings, on_loop=on_loop),
        user_pool_id=cognito.user_pool_id,
        client_id=cognito.client_id,
        client_secret=(cognito.client_secret.get_secret_value() if cognito.client_secret else None),
        # Password checks and writes make one attempt per send; the store resends only
        # what surely never reached Cognito.
        auth_client=cognito_client(
            cognito, concurrency=concurrency, max_attempts=1, settings=settings, on_loop=on_loop
        ),
        blocking=LOOP_AWARE,
    )


def quota_shaped(
    store: CredentialStore,
    settings: Settings,
    *,
    key: str,
    on_state: Callable[[bool, int], None] | None = None,
) -> CredentialStore:
    """``store`` held under the configured Cognito rates: shared by every host through
    Redis if ``HASHLESS_QUOTA_REDIS_URL`` is set, else by this host's workers through one
    file (named after ``key``, the pool id, unless configured). ``on_state`` hears when
    the Redis budget falls back to this host's share, and how many hosts share it."""
    path = (
        Path(settings.cognito_rate_file) if settings.cognito_rate_file else default_bucket_file(key)
    )
    rates = {
        QuotaCategory.AUTHENTICATION: settings.cognito_rate_auth,
        QuotaCategory.CREATION: settings.cognito_rate_create,
        QuotaCategory.ACCOUNT_RECOVERY: settings.cognito_rate_recovery,
        QuotaCategory.UPDATE: settings.cognito_rate_update,
    }
    buckets: TokenBuckets
    if settings.quota_redis_url is None:
        buckets = SharedTokenBuckets(path, rates)
    else:
        from hashless.credentials import redis_quota

        def share(hosts: int) -> SharedTokenBuckets:
            return SharedTokenBuckets(path, {c: rate / hosts for c, rate in rates.items()})

        buckets = redis_quota.RedisTokenBuckets(
            redis_quota.connect(settings.quota_redis_url.get_secret_value()),
            settings.quota_redis_key or f"hashless:quota:{key}",
            redis_quota.host_identity(path),
            rates,
            share,
            on_state=on_state,
        )
    return QuotaShapedStore(
        store,
        buckets,
        max_wait=settings.cognito_rate_max_wait_ms / 1000,
        sleep=LOOP_AWARE.pause,
    )
