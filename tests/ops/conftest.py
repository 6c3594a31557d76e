"""Fixtures for the operator tools: one moto server, pools made to order, a doctor runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.config import CognitoSettings, Settings
from hashless.credentials.client import make_cognito_client
from hashless.ops.doctor import run_doctor
from hashless.ops.findings import Finding

REGION = "eu-west-1"
KEYS = {"COGNITO_ACCESS_KEY_ID": "testing", "COGNITO_SECRET_ACCESS_KEY": "testing"}

GOOD_POOL: dict[str, Any] = {
    "Policies": {
        "PasswordPolicy": {
            "MinimumLength": 8,
            "RequireUppercase": False,
            "RequireLowercase": False,
            "RequireNumbers": False,
            "RequireSymbols": False,
        }
    },
    "AliasAttributes": ["email"],
    "UsernameConfiguration": {"CaseSensitive": False},
    "MfaConfiguration": "OFF",
}
GOOD_CLIENT: dict[str, Any] = {
    "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "PreventUserExistenceErrors": "ENABLED",
}


@pytest.fixture
def cognito(moto_endpoint: str) -> CognitoIdentityProviderClient:
    return make_cognito_client(
        region=REGION,
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
    )


Pool = tuple[str, str, str | None]
"""(pool id, client id, client secret)."""


@pytest.fixture
def make_pool(cognito: CognitoIdentityProviderClient) -> Callable[..., Pool]:
    """A pool and app client: the hashless way, with ``pool``/``client`` overrides."""

    def make(
        pool: dict[str, Any] | None = None,
        client: dict[str, Any] | None = None,
        secret: bool = False,
        name: str = "shop",
    ) -> Pool:
        pool_id = cognito.create_user_pool(PoolName=name, **(GOOD_POOL | (pool or {})))["UserPool"][
            "Id"
        ]
        app = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="hashless-server",
            GenerateSecret=secret,
            **(GOOD_CLIENT | (client or {})),
        )["UserPoolClient"]
        return pool_id, app["ClientId"], app.get("ClientSecret")

    return make


@pytest.fixture
def doctor(moto_endpoint: str) -> Callable[..., dict[str, Finding]]:
    """Run doctor against the moto server; findings by check name."""

    def run(database_url: str | None = None, **cognito: str | None) -> dict[str, Finding]:
        settings = CognitoSettings(**(KEYS | {"COGNITO_ENDPOINT_URL": moto_endpoint} | cognito))
        findings = run_doctor(Settings(HASHLESS_DATABASE_URL=database_url), settings)
        return {f.check: f for f in findings}

    return run
