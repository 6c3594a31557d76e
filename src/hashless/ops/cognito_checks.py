"""The Cognito half of ``hashless doctor``: the pool, its app client and the IAM actions.

The original plugin's README was a list of traps: the pool's name given for its id,
a client secret, the auth flow, email as the username, the IAM actions. Each check
here finds one of them and says the exact fix. Checks read the pool through
``DescribeUserPool`` and ``DescribeUserPoolClient`` and probe IAM with calls that
change nothing (see ``hashless.ops.iam``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import boto3.session
from botocore.exceptions import BotoCoreError, ClientError

from hashless.config import CognitoSettings
from hashless.credentials._errors import error_code
from hashless.credentials.client import make_cognito_client
from hashless.errors import ConfigurationError
from hashless.ops import pool_settings
from hashless.ops.findings import Finding, Status
from hashless.ops.iam import is_denied, probe_permissions

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import UserPoolClientTypeTypeDef, UserPoolTypeTypeDef

__all__ = ["cognito_checks", "credential_source"]

_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")

_SOURCES = {
    "explicit": "COGNITO_ACCESS_KEY_ID and COGNITO_SECRET_ACCESS_KEY",
    "env": "the AWS_ACCESS_KEY_ID environment variables",
    "shared-credentials-file": "the shared credentials file (~/.aws/credentials)",
    "config-file": "the AWS config file (~/.aws/config)",
    "iam-role": "the EC2 instance role",
    "container-role": "the container (ECS/EKS) role",
    "assume-role": "an assumed role from the AWS config",
    "assume-role-with-web-identity": "a web-identity role (EKS IRSA)",
    "sso": "AWS IAM Identity Center (SSO)",
}

Checks = Iterator[Finding]


def credential_source(cognito: CognitoSettings) -> Finding:
    """Which AWS credentials the Cognito client will sign with; never their values."""
    session = boto3.session.Session(
        aws_access_key_id=cognito.access_key_id,
        aws_secret_access_key=(
            cognito.secret_access_key.get_secret_value() if cognito.secret_access_key else None
        ),
    )
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        return Finding(
            "credentials",
            Status.FAIL,
            f"AWS credentials could not be loaded ({type(exc).__name__})",
            "fix the AWS profile named by AWS_PROFILE, or set COGNITO_ACCESS_KEY_ID and "
            "COGNITO_SECRET_ACCESS_KEY",
        )
    if credentials is None:
        return Finding(
            "credentials",
            Status.FAIL,
            "no AWS credentials found",
            "give the process credentials: an IAM role (best), AWS_PROFILE, or "
            "COGNITO_ACCESS_KEY_ID with COGNITO_SECRET_ACCESS_KEY",
        )
    method = getattr(credentials, "method", "unknown")
    source = _SOURCES.get(method, method)
    return Finding("credentials", Status.OK, f"AWS credentials found: {source}")


def _region(cognito: CognitoSettings) -> tuple[str | None, Finding]:
    match = _POOL_ID.match(cognito.user_pool_id or "")
    from_pool = match["region"] if match else None
    if cognito.region and from_pool and cognito.region != from_pool:
        return cognito.region, Finding(
            "region",
            Status.FAIL,
            f"COGNITO_REGION is {cognito.region} but the pool id names {from_pool}",
            f"set COGNITO_REGION={from_pool}, or leave it unset (the pool id names it)",
        )
    region = cognito.region or from_pool
    if region is None:
        return None, Finding(
            "region",
            Status.FAIL,
            f"no region: COGNITO_REGION is unset and COGNITO_USER_POOL_ID={cognito.user_pool_id!r} "
            "is not a pool id (it looks like a pool name)",
            "set COGNITO_USER_POOL_ID to the pool's id, like eu-west-1_AbC123 (its region comes "
            "first), or set COGNITO_REGION so that doctor can find the id for that name",
        )
    known = boto3.session.Session().get_available_regions("cognito-idp")
    if known and region not in known and not cognito.endpoint_url:
        return region, Finding(
            "region",
            Status.WARN,
            f"region {region} is not one where this botocore knows Cognito",
            "check the spelling of COGNITO_REGION (e.g. eu-west-1)",
        )
    source = "COGNITO_REGION" if cognito.region else "the pool id"
    return region, Finding("region", Status.OK, f"region {region} (from {source})")


def _pools_named(client: CognitoIdentityProviderClient, name: str) -> list[str]:
    try:
        pages = client.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60})
        return [p["Id"] for page in pages for p in page["UserPools"] if p.get("Name") == name]
    except (ClientError, BotoCoreError):
        return []


def _pool_not_found(
    client: CognitoIdentityProviderClient, cognito: CognitoSettings, region: str
) -> Finding:
    given = cognito.user_pool_id or ""
    if _POOL_ID.match(given) is None:
        summary = f"COGNITO_USER_POOL_ID={given!r} is not a pool id; it looks like a pool name"
        ids = _pools_named(client, given)
        if len(ids) == 1:
            fix = f"set COGNITO_USER_POOL_ID={ids[0]} (the id of the pool named {given!r})"
        else:
            fix = (
                "set COGNITO_USER_POOL_ID to the pool's id, like eu-west-1_AbC123, shown on the "
                "pool's overview page (aws cognito-idp list-user-pools --max-results 60 "
                f"--region {region})"
            )
        return Finding("pool", Status.FAIL, summary, fix)
    return Finding(
        "pool",
        Status.FAIL,
        f"no user pool {given} in {region}",
        f"check COGNITO_USER_POOL_ID and the AWS account of the credentials; pools in {region}: "
        f"aws cognito-idp list-user-pools --max-results 60 --region {region}",
    )


def _describe(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """The response, or the error code (or exception name) that came instead."""
    try:
        return call(), None
    except ClientError as exc:
        return None, "AccessDeniedException" if is_denied(exc) else error_code(exc) or "ClientError"
    except BotoCoreError as exc:
        return None, type(exc).__name__


def _client_not_found(
    client: CognitoIdentityProviderClient, user_pool_id: str, client_id: str
) -> Finding:
    response, _ = _describe(
        lambda: client.list_user_pool_clients(UserPoolId=user_pool_id, MaxResults=60)
    )
    clients = response["UserPoolClients"] if response else []
    by_name = [c["ClientId"] for c in clients if c.get("ClientName") == client_id]
    if by_name:
        fix = f"set COGNITO_CLIENT_ID={by_name[0]} (the id of the app client named {client_id!r})"
    elif clients:
        listed = ", ".join(f"{c.get('ClientName')} ({c['ClientId']})" for c in clients[:5])
        fix = f"set COGNITO_CLIENT_ID to the id of one of this pool's app clients: {listed}"
    else:
        fix = (
            "create a server-side app client with ALLOW_ADMIN_USER_PASSWORD_AUTH, or run "
            "`hashless provision` for a pool and client made the way hashless expects"
        )
    return Finding(
        "client", Status.FAIL, f"no app client {client_id} in the pool {user_pool_id}", fix
    )


def _read_pool(
    client: CognitoIdentityProviderClient, cognito: CognitoSettings, region: str
) -> tuple[UserPoolTypeTypeDef | None, Finding]:
    """The pool's settings (None if IAM hides them), and the finding about the pool."""
    pool_id = cognito.user_pool_id or ""
    if _POOL_ID.match(pool_id) is None:
        return None, _pool_not_found(client, cognito, region)
    response, code = _describe(lambda: client.describe_user_pool(UserPoolId=pool_id))
    if code in ("ResourceNotFoundException", "InvalidParameterException"):
        return None, _pool_not_found(client, cognito, region)
    if code == "AccessDeniedException":
        return None, Finding(
            "pool",
            Status.WARN,
            "cannot read the pool's settings (IAM denies DescribeUserPool): its checks are skipped",
            f"allow cognito-idp:DescribeUserPool and DescribeUserPoolClient on {pool_id} for "
            "doctor (`hashless policy --operator`)",
        )
    if code is not None:
        return None, Finding(
            "pool",
            Status.FAIL,
            f"cannot read the user pool {pool_id} ({code})",
            "check the network path to Cognito and the AWS credentials",
        )
    pool: UserPoolTypeTypeDef = response["UserPool"]
    name = pool.get("Name", "?")
    return pool, Finding("pool", Status.OK, f"user pool {name} ({pool_id}) found in {region}")


def _client_checks(client: CognitoIdentityProviderClient, cognito: CognitoSettings) -> Checks:
    pool_id = cognito.user_pool_id or ""
    client_id = cognito.client_id or ""
    response, code = _describe(
        lambda: client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    )
    if code in ("ResourceNotFoundException", "InvalidParameterException"):
        yield _client_not_found(client, pool_id, client_id)
    elif code is not None:
        yield Finding(
            "client",
            Status.WARN,
            f"cannot read the app client ({code}): its checks are skipped",
            "allow cognito-idp:DescribeUserPoolClient for doctor (`hashless policy --operator`)",
        )
    else:
        app: UserPoolClientTypeTypeDef = response["UserPoolClient"]
        name = app.get("ClientName", "?")
        yield Finding("client", Status.OK, f"app client {name} ({client_id}) found")
        yield pool_settings.auth_flow(app)
        yield pool_settings.client_secret(app, cognito)
        yield pool_settings.prevent_user_existence_errors(app)


def _pool_checks(
    client: CognitoIdentityProviderClient, cognito: CognitoSettings, region: str
) -> Checks:
    pool, found = _read_pool(client, cognito, region)
    yield found
    if found.status is Status.FAIL:
        return
    client_findings = list(_client_checks(client, cognito))
    yield from client_findings
    if client_findings[0].status is Status.FAIL:
        return
    if pool is not None:
        yield pool_settings.username(pool)
        yield pool_settings.case_sensitivity(pool)
        yield pool_settings.password_policy(pool)
        yield from pool_settings.mfa_and_triggers(pool)
    secret = cognito.client_secret.get_secret_value() if cognito.client_secret else None
    yield from probe_permissions(
        client,
        user_pool_id=cognito.user_pool_id or "",
        client_id=cognito.client_id or "",
        client_secret=secret,
    )


def cognito_checks(
    cognito: CognitoSettings, client: CognitoIdentityProviderClient | None
) -> Checks:
    if not cognito.user_pool_id or not cognito.client_id:
        missing = "COGNITO_USER_POOL_ID" if not cognito.user_pool_id else "COGNITO_CLIENT_ID"
        yield Finding(
            "settings",
            Status.FAIL,
            f"{missing} is not set",
            "run `hashless provision` for a new pool, or set COGNITO_USER_POOL_ID (the pool id, "
            "like eu-west-1_AbC123) and COGNITO_CLIENT_ID (its app client's id)",
        )
        return
    region, finding = _region(cognito)
    yield finding
    if region is None:
        return
    credentials = credential_source(cognito)
    yield credentials
    if credentials.status is Status.FAIL:
        return
    if client is None:
        try:
            client = make_cognito_client(
                region=region,
                endpoint_url=cognito.endpoint_url,
                access_key_id=cognito.access_key_id,
                secret_access_key=(
                    cognito.secret_access_key.get_secret_value()
                    if cognito.secret_access_key
                    else None
                ),
                max_attempts=2,
            )
        except ConfigurationError as exc:
            yield Finding("client", Status.FAIL, "cannot build the Cognito client", str(exc))
            return
    yield from _pool_checks(client, cognito, region)
