"""Create a user pool and app client set up the way hashless expects.

The pool follows NIST SP 800-63B (length only, no composition rules), matches
usernames case-insensitively (a setting that cannot be changed after creation), and
never talks to customers itself: only administrators create users, Cognito sends no
messages, and account recovery is left to hashless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from hashless.credentials._errors import Target, translate
from hashless.errors import CredentialStoreUnavailable, HashlessError
from hashless.passwords import MIN_PASSWORD_LENGTH

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["ProvisionedPool", "provision_pool", "render_settings"]

T = TypeVar("T")

log = logging.getLogger("hashless.credentials")

# Tokens are discarded the moment AdminInitiateAuth returns; the shortest lifetimes
# Cognito allows bound the harm should one ever leak anyway.
_TOKEN_MINUTES = {"AccessToken": 5, "IdToken": 5, "RefreshToken": 60}


@dataclass(frozen=True)
class ProvisionedPool:
    """What hashless needs to reach the pool. ``client_secret`` stays out of ``repr``."""

    user_pool_id: str
    client_id: str
    client_secret: str | None = field(repr=False)
    region: str


def provision_pool(
    client: CognitoIdentityProviderClient,
    *,
    pool_name: str = "hashless",
    client_name: str = "hashless-server",
    generate_secret: bool = False,
) -> ProvisionedPool:
    """Create the user pool and its server-side app client in the client's region.

    If the app client cannot be created, the new pool is deleted again so that a
    retry does not leave pools behind.
    """
    target = Target(region=client.meta.region_name)
    pool = _call(
        "provision",
        "CreateUserPool",
        target,
        lambda: client.create_user_pool(
            PoolName=pool_name,
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": MIN_PASSWORD_LENGTH,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
            # The username is the host's opaque customer id; email is only an alias,
            # so an email change never changes who the user is.
            AliasAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]},
            MfaConfiguration="OFF",
        ),
    )
    user_pool_id = pool["UserPool"].get("Id", "")
    target = Target(region=client.meta.region_name, user_pool_id=user_pool_id)
    try:
        app = _call(
            "provision",
            "CreateUserPoolClient",
            target,
            lambda: client.create_user_pool_client(
                UserPoolId=user_pool_id,
                ClientName=client_name,
                GenerateSecret=generate_secret,
                ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                PreventUserExistenceErrors="ENABLED",
                AccessTokenValidity=_TOKEN_MINUTES["AccessToken"],
                IdTokenValidity=_TOKEN_MINUTES["IdToken"],
                RefreshTokenValidity=_TOKEN_MINUTES["RefreshToken"],
                TokenValidityUnits={
                    "AccessToken": "minutes",
                    "IdToken": "minutes",
                    "RefreshToken": "minutes",
                },
            ),
        )
    except HashlessError:
        _discard_pool(client, user_pool_id)
        raise
    details = app["UserPoolClient"]
    client_id = details.get("ClientId", "")
    if not user_pool_id or not client_id:
        raise CredentialStoreUnavailable("provision", "Cognito answered without an id")
    secret = details.get("ClientSecret") or None
    return ProvisionedPool(
        user_pool_id=user_pool_id,
        client_id=client_id,
        client_secret=secret,
        region=client.meta.region_name,
    )


def render_settings(pool: ProvisionedPool, *, endpoint_url: str | None = None) -> str:
    """The pool's settings as ``KEY=value`` lines for an env file.

    Contains the client secret when there is one: write it where secrets go, never to
    a log. ``endpoint_url`` is the override the client was built with (an emulator).
    """
    lines = [
        f"COGNITO_REGION={pool.region}",
        f"COGNITO_USER_POOL_ID={pool.user_pool_id}",
        f"COGNITO_CLIENT_ID={pool.client_id}",
    ]
    if pool.client_secret:
        lines.append(f"COGNITO_CLIENT_SECRET={pool.client_secret}")
    if endpoint_url:
        lines.append(f"COGNITO_ENDPOINT_URL={endpoint_url}")
    return "\n".join(lines) + "\n"


def _discard_pool(client: CognitoIdentityProviderClient, user_pool_id: str) -> None:
    """Best effort: the error that brought us here is the one worth raising."""
    try:
        client.delete_user_pool(UserPoolId=user_pool_id)
    except (ClientError, BotoCoreError) as exc:
        log.warning(
            "could not delete the half-provisioned user pool %s (%s); delete it by hand",
            user_pool_id,
            type(exc).__name__,
        )


def _call(operation: str, action: str, target: Target, request: Callable[[], T]) -> T:
    failure: HashlessError
    try:
        return request()
    except (ClientError, BotoCoreError) as exc:
        failure = translate(exc, operation=operation, action=action, target=target)
    # Raised outside the except block so the botocore exception does not travel along.
    raise failure
