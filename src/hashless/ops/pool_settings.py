"""What ``hashless doctor`` makes of a pool's and an app client's description.

Pure judgements of ``DescribeUserPool`` / ``DescribeUserPoolClient`` answers, one
finding each, with the exact fix; ``hashless.ops.cognito_checks`` fetches them.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hashless.config import CognitoSettings
from hashless.ops.findings import Finding, Status
from hashless.passwords import MIN_PASSWORD_LENGTH

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import UserPoolClientTypeTypeDef, UserPoolTypeTypeDef

__all__ = [
    "auth_flow",
    "case_sensitivity",
    "client_secret",
    "mfa_and_triggers",
    "password_policy",
    "prevent_user_existence_errors",
    "username",
]

ADMIN_FLOWS = frozenset({"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})

CONSOLE_WARNING = (
    "in the console, or with the CLI passing every current setting too "
    "(update-user-pool and update-user-pool-client reset whatever they are not given)"
)


def auth_flow(app: UserPoolClientTypeTypeDef) -> Finding:
    flows = set(app.get("ExplicitAuthFlows", []))
    if flows & ADMIN_FLOWS:
        return Finding(
            "client.auth-flow", Status.OK, "app client allows ALLOW_ADMIN_USER_PASSWORD_AUTH"
        )
    return Finding(
        "client.auth-flow",
        Status.FAIL,
        "app client does not allow ALLOW_ADMIN_USER_PASSWORD_AUTH: every Cognito login fails "
        "with 'Auth flow not enabled for this client'",
        "add ALLOW_ADMIN_USER_PASSWORD_AUTH to the app client's authentication flows, "
        + CONSOLE_WARNING,
    )


def client_secret(app: UserPoolClientTypeTypeDef, cognito: CognitoSettings) -> Finding:
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


def prevent_user_existence_errors(app: UserPoolClientTypeTypeDef) -> Finding:
    if app.get("PreventUserExistenceErrors") == "ENABLED":
        return Finding(
            "client.user-existence-errors", Status.OK, "PreventUserExistenceErrors is ENABLED"
        )
    return Finding(
        "client.user-existence-errors",
        Status.WARN,
        "PreventUserExistenceErrors is not ENABLED: anything else using this app client can "
        "tell which usernames exist (hashless itself never shows Cognito's answer)",
        "set 'Prevent user existence errors' on the app client, " + CONSOLE_WARNING,
    )


def username(pool: UserPoolTypeTypeDef) -> Finding:
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


def case_sensitivity(pool: UserPoolTypeTypeDef) -> Finding:
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


def password_policy(pool: UserPoolTypeTypeDef) -> Finding:
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
        "character requirements, " + CONSOLE_WARNING,
    )


def mfa_and_triggers(pool: UserPoolTypeTypeDef) -> Iterator[Finding]:
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
