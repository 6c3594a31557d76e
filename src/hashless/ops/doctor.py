"""``hashless doctor``: every setup trap of a Cognito-backed login, found and explained.

The original plugin's README was a list of traps: the pool's name given for its id,
a client secret, the auth flow, email as the username, the IAM actions. Each check
here finds one of them and says the exact fix. Checks read the pool through
``DescribeUserPool`` and ``DescribeUserPoolClient`` and probe IAM with calls that
change nothing (see ``hashless.ops.iam``).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import boto3.session
from botocore.exceptions import BotoCoreError, ClientError

from hashless.config import CognitoSettings, Settings
from hashless.credentials._errors import error_code
from hashless.credentials.client import make_cognito_client
from hashless.errors import ConfigurationError
from hashless.ops.findings import Finding, Status
from hashless.ops.iam import is_denied, probe_permissions
from hashless.passwords import MIN_PASSWORD_LENGTH

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import UserPoolClientTypeTypeDef, UserPoolTypeTypeDef

    from hashless.storage.layout import StoreLayout

__all__ = ["check_database", "credential_source", "run_doctor"]

_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_ADMIN_FLOWS = frozenset({"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})

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

_CONSOLE_WARNING = (
    "in the console, or with the CLI passing every current setting too "
    "(update-user-pool and update-user-pool-client reset whatever they are not given)"
)

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


def _auth_flow(app: UserPoolClientTypeTypeDef) -> Finding:
    flows = set(app.get("ExplicitAuthFlows", []))
    if flows & _ADMIN_FLOWS:
        return Finding(
            "client.auth-flow", Status.OK, "app client allows ALLOW_ADMIN_USER_PASSWORD_AUTH"
        )
    return Finding(
        "client.auth-flow",
        Status.FAIL,
        "app client does not allow ALLOW_ADMIN_USER_PASSWORD_AUTH: every Cognito login fails "
        "with 'Auth flow not enabled for this client'",
        "add ALLOW_ADMIN_USER_PASSWORD_AUTH to the app client's authentication flows, "
        + _CONSOLE_WARNING,
    )


def _client_secret(app: UserPoolClientTypeTypeDef, cognito: CognitoSettings) -> Finding:
    actual = app.get("ClientSecret")
    configured = cognito.client_secret.get_secret_value() if cognito.client_secret else None
    if actual and not configured:
        return Finding(
            "client.secret",
            Status.FAIL,
            "the app client has a secret but COGNITO_CLIENT_SECRET is not set: Cognito answers "
            "'Unable to verify secret hash'",
            "set COGNITO_CLIENT_SECRET to the app client's secret (App integration > App "
            "clients > Show client secret); there is no need to remove the secret",
        )
    if configured and not actual:
        return Finding(
            "client.secret",
            Status.FAIL,
            "COGNITO_CLIENT_SECRET is set but the app client has no secret",
            "unset COGNITO_CLIENT_SECRET",
        )
    if actual and configured and not hmac.compare_digest(actual.encode(), configured.encode()):
        return Finding(
            "client.secret",
            Status.FAIL,
            "COGNITO_CLIENT_SECRET is not this app client's secret",
            "copy the secret of this app client (not of another client or pool) into "
            "COGNITO_CLIENT_SECRET",
        )
    what = (
        "a secret, and COGNITO_CLIENT_SECRET matches it" if actual else "no secret, none configured"
    )
    return Finding("client.secret", Status.OK, f"app client has {what}")


def _prevent_user_existence_errors(app: UserPoolClientTypeTypeDef) -> Finding:
    if app.get("PreventUserExistenceErrors") == "ENABLED":
        return Finding(
            "client.user-existence-errors", Status.OK, "PreventUserExistenceErrors is ENABLED"
        )
    return Finding(
        "client.user-existence-errors",
        Status.WARN,
        "PreventUserExistenceErrors is not ENABLED: anything else using this app client can "
        "tell which usernames exist (hashless itself never shows Cognito's answer)",
        "set 'Prevent user existence errors' on the app client, " + _CONSOLE_WARNING,
    )


def _username(pool: UserPoolTypeTypeDef) -> Finding:
    username_attributes = pool.get("UsernameAttributes", [])
    if "email" in username_attributes or "phone_number" in username_attributes:
        kind = "email" if "email" in username_attributes else "phone_number"
        return Finding(
            "pool.username",
            Status.FAIL,
            f"the pool uses {kind} as its username attribute: Cognito then requires "
            f"{kind}-shaped usernames and refuses hashless' opaque customer ids (cus_...), and "
            "an email change would change who the user is",
            "this cannot be changed on an existing pool: create one with `hashless provision` "
            "(email as an alias attribute, usernames case-insensitive) and point "
            "COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID at it",
        )
    if "email" in pool.get("AliasAttributes", []):
        return Finding(
            "pool.username",
            Status.OK,
            "usernames are opaque ids, email is an alias attribute (fine: hashless sends the id)",
        )
    return Finding(
        "pool.username", Status.OK, "usernames are opaque ids (hashless sends the customer id)"
    )


def _case_sensitivity(pool: UserPoolTypeTypeDef) -> Finding:
    sensitive = pool.get("UsernameConfiguration", {}).get("CaseSensitive", True)
    if not sensitive:
        return Finding("pool.case", Status.OK, "usernames are case-insensitive")
    return Finding(
        "pool.case",
        Status.WARN,
        "usernames are case-sensitive (the API's default): hashless always sends the exact "
        "customer id, so it works, but people and tools looking users up by hand can miss them",
        "nothing to do for hashless; case sensitivity cannot be changed on an existing pool, "
        "so new pools should be made case-insensitive (`hashless provision` does)",
    )


def _password_policy(pool: UserPoolTypeTypeDef) -> Finding:
    policy = pool.get("Policies", {}).get("PasswordPolicy", {})
    minimum = policy.get("MinimumLength", 8)
    rules = [
        name
        for key, name in (
            ("RequireUppercase", "an upper-case letter"),
            ("RequireLowercase", "a lower-case letter"),
            ("RequireNumbers", "a digit"),
            ("RequireSymbols", "a symbol"),
        )
        if policy.get(key)
    ]
    problems = []
    if rules:
        problems.append(
            "it requires " + ", ".join(rules) + ": legacy passwords without them are refused "
            "(those customers stay on their legacy hash, counted as blocked), and NIST SP "
            "800-63B says not to impose composition rules"
        )
    if minimum > MIN_PASSWORD_LENGTH:
        problems.append(
            f"its minimum length {minimum} refuses legacy passwords of {MIN_PASSWORD_LENGTH}-"
            f"{minimum - 1} characters that the old platform accepted"
        )
    if minimum < MIN_PASSWORD_LENGTH:
        problems.append(
            f"its minimum length {minimum} is below NIST's {MIN_PASSWORD_LENGTH} (hashless "
            "still refuses shorter new passwords itself)"
        )
    if not problems:
        return Finding(
            "pool.password-policy",
            Status.OK,
            f"password policy: at least {minimum} characters, no composition rules "
            "(NIST SP 800-63B)",
        )
    return Finding(
        "pool.password-policy",
        Status.WARN,
        "password policy: " + "; ".join(problems),
        f"set the pool's password policy to minimum length {MIN_PASSWORD_LENGTH} and no "
        "character requirements, " + _CONSOLE_WARNING,
    )


def _mfa_and_triggers(pool: UserPoolTypeTypeDef) -> Iterator[Finding]:
    if pool.get("MfaConfiguration", "OFF") == "ON":
        yield Finding(
            "pool.mfa",
            Status.FAIL,
            "MFA is required on the pool: every login answers with an MFA challenge",
            "set MFA to off (MfaConfiguration=OFF): hashless uses the pool only as a "
            "password checker",
        )
    triggers = sorted(k for k, v in pool.get("LambdaConfig", {}).items() if v)
    if triggers:
        yield Finding(
            "pool.triggers",
            Status.WARN,
            f"the pool runs Lambda triggers ({', '.join(triggers)}): they add latency to every "
            "login and can refuse migrations",
            "remove the pool's Lambda triggers unless you need them; hashless needs none",
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
        yield _auth_flow(app)
        yield _client_secret(app, cognito)
        yield _prevent_user_existence_errors(app)


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
        yield _username(pool)
        yield _case_sensitivity(pool)
        yield _password_policy(pool)
        yield from _mfa_and_triggers(pool)
    secret = cognito.client_secret.get_secret_value() if cognito.client_secret else None
    yield from probe_permissions(
        client,
        user_pool_id=cognito.user_pool_id or "",
        client_id=cognito.client_id or "",
        client_secret=secret,
    )


def _cognito_checks(
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


def check_database(database_url: str | None, layout: StoreLayout | None = None) -> Finding:
    """The database answers, and hashless' schema in it (``layout``'s: standalone by
    default) is one hashless serves or migrates (read-only).

    A schema ``serve`` and ``migrate`` bring up themselves (none yet, right after
    ``provision``, or an older hashless revision) is a note; a schema newer than this
    code, or another application's database, fails.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from hashless.storage import STANDALONE, create_database_engine
    from hashless.storage.db import SchemaState, inspect_schema

    layout = layout or STANDALONE

    if not database_url:
        return Finding(
            "database",
            Status.FAIL,
            "HASHLESS_DATABASE_URL is not set",
            "set it to postgresql+psycopg://user@host/db or sqlite:////absolute/path/hashless.db",
        )
    try:
        engine = layout.bind(create_database_engine(database_url, pool_size=1))
    except ConfigurationError as exc:
        return Finding("database", Status.FAIL, "HASHLESS_DATABASE_URL cannot be used", str(exc))
    try:
        schema = inspect_schema(engine, layout.migrations)
    except SQLAlchemyError as exc:
        # The driver's text can repeat the URL, password included: the class name only.
        return Finding(
            "database",
            Status.FAIL,
            f"cannot reach the database ({type(getattr(exc, 'orig', exc)).__name__})",
            "check that it runs and that HASHLESS_DATABASE_URL's host, port, user and "
            "database are right",
        )
    finally:
        engine.dispose()
    applies = (
        "`hashless serve` applies them at start-up, or run `hashless migrate` first "
        "(needed before `uvicorn --factory` or `serve --no-migrate`)"
    )
    match schema.state:
        case SchemaState.CURRENT:
            return Finding("database", Status.OK, "database reachable, schema current")
        case SchemaState.EMPTY:
            return Finding(
                "database",
                Status.NOTE,
                "database reachable and empty: the schema is created at the first start",
                applies.replace("them", "it"),
            )
        case SchemaState.BEHIND:
            return Finding(
                "database",
                Status.NOTE,
                f"database reachable, schema at {schema.revision}: {schema.pending} "
                f"migration(s) to {schema.head} pending",
                applies,
            )
        case SchemaState.AHEAD:
            return Finding(
                "database",
                Status.FAIL,
                f"the database's schema is at revision {schema.revision!r}, which this "
                f"hashless does not know (its newest is {schema.head}): a newer hashless "
                "migrated it",
                "run the newer hashless version here too; this one must not serve that database",
            )
    return Finding(
        "database",
        Status.FAIL,
        "the database is not hashless': it has tables ("
        + ", ".join(schema.tables)
        + ") but no hashless schema version",
        "give hashless a database of its own (an empty one: `hashless serve` creates the "
        "schema), not the store's database; HASHLESS_DATABASE_URL may point at the wrong one",
    )


def run_doctor(
    settings: Settings,
    cognito: CognitoSettings,
    *,
    client: CognitoIdentityProviderClient | None = None,
    store_checks: Callable[[Settings], Iterable[Finding]] | None = None,
) -> list[Finding]:
    """Every check, in order; ``client`` replaces the one built from ``cognito`` (tests).

    ``store_checks``: the platform's checks of the store's database and servers
    (default: hashless' own database).
    """
    findings = list(_cognito_checks(cognito, client))
    findings.extend(
        store_checks(settings) if store_checks else [check_database(settings.database_url)]
    )
    return findings
