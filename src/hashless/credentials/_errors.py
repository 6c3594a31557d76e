"""Translate botocore failures into hashless errors, in one table.

Callers give meaning to the few codes that are part of an operation's contract (a
wrong password for ``check``, an existing user for ``create``); everything else lands
here. The rules, in order:

1. Messages that betray a setup mistake whatever their code (a missing or wrong
   ``SECRET_HASH``, a disabled auth flow) become ``CredentialStoreMisconfigured``.
2. Throttling codes become ``CredentialStoreThrottled``.
3. Codes that only a wrong pool, client, IAM policy or credential produce become
   ``CredentialStoreMisconfigured`` with the fix.
4. Any other client error (HTTP 4xx) becomes ``CredentialStoreRefused``: the service
   answered, and sending the same request again gets the same answer, so it must not
   read as an outage that passes (an email another user holds, a user that is gone).
5. Everything else (5xx, no status, network) becomes ``CredentialStoreUnavailable``:
   an unknown failure must never read as a wrong password.

Messages are built from the error code and Cognito's message, which never echoes a
password; any text that contains one of the caller's secrets anyway is dropped, and
botocore's own messages are used only for the network errors whose text is a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)

from hashless.errors import (
    CredentialStoreMisconfigured,
    CredentialStoreRefused,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    HashlessError,
)

__all__ = [
    "THROTTLE_RETRY_AFTER",
    "Target",
    "error_code",
    "error_message",
    "is_password_parameter_error",
    "names_setup_mistake",
    "safe_text",
    "translate",
]

THROTTLE_RETRY_AFTER = 1
"""Seconds; Cognito's quotas are per second, so the next second usually has room."""

_MAX_DETAIL = 240
"""Characters of Cognito's message kept in a detail: enough to act on, short to log."""

# Cognito's own two, plus every code botocore's standard retry mode treats as throttling.
_THROTTLING_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)

# Client errors (4xx) that another try can cure: the request timed out on the way.
_TRANSIENT_CLIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException"})

_CREDENTIAL_FIX = (
    "give the process valid AWS credentials (an IAM role, AWS_PROFILE, or "
    "AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY) for the account that owns the pool"
)
_POOL_FIX = (
    "use a pool made for hashless (`hashless provision` creates one): MFA off, no Lambda "
    "triggers, email as an alias attribute"
)

# Codes that say nothing is wrong with the service, only with how hashless is set up.
# The fix for each is a template: {action} and {arn} are filled in.
_MISCONFIGURED: dict[str, str] = {
    "AccessDeniedException": (
        "grant the IAM principal cognito-idp:{action} on {arn} (hashless needs "
        "AdminInitiateAuth, AdminCreateUser, AdminSetUserPassword, "
        "AdminUpdateUserAttributes and AdminDeleteUser)"
    ),
    "UnrecognizedClientException": _CREDENTIAL_FIX,
    "InvalidClientTokenId": _CREDENTIAL_FIX,
    "InvalidSignatureException": _CREDENTIAL_FIX + ", and check the host's clock",
    "SignatureDoesNotMatch": _CREDENTIAL_FIX,
    "ExpiredTokenException": _CREDENTIAL_FIX + "; the session token has expired",
    "ExpiredToken": _CREDENTIAL_FIX + "; the session token has expired",
    "MissingAuthenticationToken": _CREDENTIAL_FIX,
    "IncompleteSignature": _CREDENTIAL_FIX,
    "InvalidParameterException": _POOL_FIX,
    "UnsupportedOperationException": _POOL_FIX,
    "OperationNotEnabledException": _POOL_FIX,
    "FeatureUnavailableInTierException": _POOL_FIX,
    "InvalidUserPoolConfigurationException": _POOL_FIX,
    "MFAMethodNotFoundException": "turn MFA off on the pool (MfaConfiguration=OFF)",
    "UserLambdaValidationException": "remove the pool's Lambda triggers; hashless needs none",
    "InvalidLambdaResponseException": "remove the pool's Lambda triggers; hashless needs none",
    "UnexpectedLambdaException": "remove the pool's Lambda triggers; hashless needs none",
    "InvalidSmsRoleAccessPolicyException": _POOL_FIX,
    "InvalidSmsRoleTrustRelationshipException": _POOL_FIX,
    "InvalidEmailRoleAccessPolicyException": _POOL_FIX,
    "UserPoolTaggingException": "grant the IAM principal permission to tag user pools",
}

# Message fragments that name the mistake more precisely than the code does. Checked
# before everything else because they arrive as NotAuthorizedException, which ``check``
# would otherwise read as a wrong password.
_MESSAGE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"secret[ _]hash|configured (for|with|without) secret", re.I),
        "set COGNITO_CLIENT_SECRET to the app client's secret if the client has one, and "
        "leave it unset if the client has none",
    ),
    (
        re.compile(r"auth flow not enabled", re.I),
        "enable ALLOW_ADMIN_USER_PASSWORD_AUTH in the app client's ExplicitAuthFlows",
    ),
    (
        re.compile(r"username cannot be of email format", re.I),
        "pass the customer's opaque id as the Cognito username, never the email",
    ),
    (
        re.compile(r"username should be an? (email|phone)", re.I),
        "the pool uses email as its username attribute; hashless needs email as an alias "
        "attribute: create a pool with `hashless provision`",
    ),
)

_POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$")

_NETWORK_ERRORS: tuple[type[BotoCoreError], ...] = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    ProxyConnectionError,
    SSLError,
)

_PASSWORD_PARAMETER = re.compile(r"password", re.I)


@dataclass(frozen=True)
class Target:
    """Where the failed call went: used only to make a fix concrete."""

    region: str | None = None
    user_pool_id: str | None = None
    client_id: str | None = None


def error_code(exc: ClientError) -> str:
    """The service's error code, or an empty string if the response had none."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    """The service's error message, or an empty string."""
    return str(exc.response.get("Error", {}).get("Message", ""))


def _status(exc: ClientError) -> int:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status if isinstance(status, int) else 0


def safe_text(text: str, secrets: Iterable[str | None]) -> str | None:
    """``text`` shortened to one log line, or None if it contains any of ``secrets``."""
    for secret in secrets:
        if secret and secret in text:
            return None
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_DETAIL else flat[: _MAX_DETAIL - 1] + "…"


def names_setup_mistake(exc: ClientError) -> bool:
    """True if the message names a setup mistake, whatever the code says."""
    message = error_message(exc)
    return any(pattern.search(message) for pattern, _ in _MESSAGE_RULES)


def is_password_parameter_error(exc: ClientError) -> bool:
    """True for a validation error about the password rather than the setup."""
    if error_code(exc) != "InvalidParameterException" or names_setup_mistake(exc):
        return False
    return bool(_PASSWORD_PARAMETER.search(error_message(exc)))


def _describe(exc: ClientError, secrets: Iterable[str | None]) -> str:
    code = error_code(exc) or f"HTTP {_status(exc)}"
    # The hashless errors add their own full stop after the detail.
    message = (safe_text(error_message(exc), secrets) or "").rstrip(".")
    return f"{code}: {message}" if message else code


_CLIENT_FIX = (
    "COGNITO_CLIENT_ID must be the id of an app client of this pool "
    "(aws cognito-idp list-user-pool-clients --user-pool-id <pool id>)"
)


def _pool_fix(target: Target, message: str) -> str:
    # Cognito says "User pool client X does not exist." or "User pool X does not
    # exist."; an emulator may say less, and then both settings are suspects.
    if re.search(r"client", message, re.I):
        return _CLIENT_FIX
    fix = (
        "COGNITO_USER_POOL_ID must be the pool *id* like eu-west-1_AbC123, not its name, "
        "and COGNITO_REGION the pool's region"
    )
    pool = target.user_pool_id or ""
    match = _POOL_ID.match(pool)
    if pool and match is None:
        fix += f"; {pool!r} does not look like a pool id"
    elif match and target.region and match.group(1) != target.region:
        fix += f"; the pool id names region {match.group(1)} but COGNITO_REGION is {target.region}"
    if not re.search(r"pool", message, re.I):
        fix += f"; else {_CLIENT_FIX}"
    return fix


def _arn(target: Target) -> str:
    if target.user_pool_id and target.region:
        return f"arn:aws:cognito-idp:{target.region}:<account>:userpool/{target.user_pool_id}"
    return "the user pool"


def _translate_client_error(
    exc: ClientError,
    operation: str,
    action: str,
    target: Target,
    secrets: Iterable[str | None],
) -> HashlessError:
    code = error_code(exc)
    message = error_message(exc)
    detail = _describe(exc, secrets)
    for pattern, fix in _MESSAGE_RULES:
        if pattern.search(message):
            return CredentialStoreMisconfigured(operation, detail, fix)
    if code in _THROTTLING_CODES:
        return CredentialStoreThrottled(operation, detail, THROTTLE_RETRY_AFTER)
    if code == "ResourceNotFoundException":
        return CredentialStoreMisconfigured(operation, detail, _pool_fix(target, message))
    template = _MISCONFIGURED.get(code)
    if template is not None:
        fix = template.format(action=action, arn=_arn(target))
        return CredentialStoreMisconfigured(operation, detail, fix)
    if 400 <= _status(exc) < 500 and code not in _TRANSIENT_CLIENT_CODES:
        return CredentialStoreRefused(operation, detail)
    return CredentialStoreUnavailable(operation, detail)


def _translate_botocore_error(exc: BotoCoreError, operation: str) -> HashlessError:
    name = type(exc).__name__
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return CredentialStoreMisconfigured(operation, name, _CREDENTIAL_FIX)
    if isinstance(exc, NoRegionError):
        return CredentialStoreMisconfigured(operation, name, "set COGNITO_REGION")
    if isinstance(exc, ParamValidationError):
        # Its text can quote parameter values (a type error prints the value), so only
        # the names of the parameters make it into the message.
        names = sorted(set(re.findall(r"parameter ([\w.]+)", str(exc))))
        where = ", ".join(names) or "unknown parameter"
        return CredentialStoreMisconfigured(
            operation,
            f"request parameters failed validation ({where})",
            "pass non-empty string ids; check COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID",
        )
    if isinstance(exc, _NETWORK_ERRORS):
        # These messages are built from the endpoint URL alone.
        return CredentialStoreUnavailable(operation, f"{name}: {exc}")
    # Other connection, HTTP and credential-fetch failures: the class name is enough
    # to act on, and their text is not known to be free of request data.
    return CredentialStoreUnavailable(operation, name)


def translate(
    exc: ClientError | BotoCoreError,
    *,
    operation: str,
    action: str,
    target: Target | None = None,
    secrets: Iterable[str | None] = (),
) -> HashlessError:
    """The hashless error for a failed call of the Cognito API ``action``.

    ``operation`` names the hashless operation for the message; ``secrets`` are the
    values (password, client secret) that must not appear in it.
    """
    target = target or Target()
    if isinstance(exc, ClientError):
        return _translate_client_error(exc, operation, action, target, tuple(secrets))
    return _translate_botocore_error(exc, operation)
