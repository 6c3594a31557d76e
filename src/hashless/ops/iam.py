"""The IAM permissions hashless needs: the least-privilege policy, and a safe probe of them.

The probe calls each admin action on a username that cannot exist (hashless' own
usernames are ``cus_...`` ids). IAM is evaluated before the user is looked up, so
``AccessDeniedException`` means "not permitted" and any answer about the user
(``UserNotFoundException``, ``NotAuthorizedException``...) means "permitted".
``AdminCreateUser`` cannot be asked about a user without making one: the probe user
gets no attributes (it claims no email) and is deleted again at once.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from hashless.credentials._errors import Target, error_code, names_setup_mistake, translate
from hashless.credentials.cognito import secret_hash
from hashless.errors import ConfigurationError, CredentialStoreMisconfigured
from hashless.ops.findings import Finding, Status

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = [
    "OPERATOR_ACTIONS",
    "SERVICE_ACTIONS",
    "is_denied",
    "pool_arn",
    "probe_permissions",
    "probe_username",
    "read_pool_arn",
    "render_policy",
]

SERVICE_ACTIONS = (
    "AdminInitiateAuth",
    "AdminCreateUser",
    "AdminSetUserPassword",
    "AdminUpdateUserAttributes",
    "AdminDeleteUser",
)
"""What ``hashless serve`` calls; without any of them some customers cannot log in."""

OPERATOR_ACTIONS = (
    "DescribeUserPool",
    "DescribeUserPoolClient",
    "ListUserPoolClients",
    "AdminGetUser",
    "ListUsers",
)
"""What ``hashless doctor`` and ``reconcile`` read; the service itself never needs them."""

_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")

_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})

# Answers only the service gives, so IAM let the call through.
_PAST_IAM = frozenset(
    {
        "UserNotFoundException",
        "NotAuthorizedException",
        "InvalidParameterException",
        "InvalidPasswordException",
        "PasswordHistoryPolicyViolationException",
        "UsernameExistsException",
        "AliasExistsException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    }
)
_CREDENTIALS_REJECTED = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
        "ExpiredToken",
        "MissingAuthenticationToken",
        "IncompleteSignature",
    }
)


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def is_denied(exc: ClientError) -> bool:
    """IAM refused the call: ``AccessDeniedException``, or any HTTP 403."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error_code(exc) in _DENIED or status == 403


def pool_arn(user_pool_id: str, account_id: str, region: str | None = None) -> str:
    match = _POOL_ID.match(user_pool_id)
    region = region or (match["region"] if match else None)
    if region is None:
        raise ValueError(f"{user_pool_id!r} is not a user pool id")
    return f"arn:{_partition(region)}:cognito-idp:{region}:{account_id}:userpool/{user_pool_id}"


def render_policy(arn: str, *, operator: bool = False) -> str:
    """The IAM policy document, as indented JSON, granting hashless exactly what it calls."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "HashlessService",
            "Effect": "Allow",
            "Action": [f"cognito-idp:{a}" for a in SERVICE_ACTIONS],
            "Resource": arn,
        }
    ]
    if operator:
        statements.append(
            {
                "Sid": "HashlessDoctorAndReconcile",
                "Effect": "Allow",
                "Action": [f"cognito-idp:{a}" for a in OPERATOR_ACTIONS],
                "Resource": arn,
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2) + "\n"


def probe_username() -> str:
    """A username no customer can have: hashless' usernames are ``cus_`` ids."""
    return f"hashless-doctor-probe-{secrets.token_hex(8)}"


def _throwaway_password() -> str:
    # Meets any pool policy, so a refusal can only come from IAM or the missing user.
    return f"Pr0be!{secrets.token_urlsafe(18)}"


@dataclass(frozen=True)
class _Probe:
    action: str
    required: bool
    call: Callable[[], object]


def probe_permissions(
    client: CognitoIdentityProviderClient,
    *,
    user_pool_id: str,
    client_id: str,
    client_secret: str | None,
) -> list[Finding]:
    """One finding per IAM action hashless uses, from calls that change nothing."""
    username = probe_username()
    auth: dict[str, str] = {"USERNAME": username, "PASSWORD": _throwaway_password()}
    if client_secret:
        auth["SECRET_HASH"] = secret_hash(username, client_id, client_secret)
    probes = [
        _Probe(
            "AdminInitiateAuth",
            True,
            lambda: client.admin_initiate_auth(
                UserPoolId=user_pool_id,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters=auth,
            ),
        ),
        _Probe(
            "AdminSetUserPassword",
            True,
            lambda: client.admin_set_user_password(
                UserPoolId=user_pool_id,
                Username=username,
                Password=_throwaway_password(),
                Permanent=True,
            ),
        ),
        _Probe(
            "AdminUpdateUserAttributes",
            True,
            lambda: client.admin_update_user_attributes(
                UserPoolId=user_pool_id,
                Username=username,
                UserAttributes=[{"Name": "email", "Value": f"{username}@doctor.invalid"}],
            ),
        ),
        _Probe(
            "AdminDeleteUser",
            True,
            lambda: client.admin_delete_user(UserPoolId=user_pool_id, Username=username),
        ),
        _Probe(
            "AdminGetUser",
            False,
            lambda: client.admin_get_user(UserPoolId=user_pool_id, Username=username),
        ),
        _Probe("ListUsers", False, lambda: client.list_users(UserPoolId=user_pool_id, Limit=1)),
    ]
    findings = [_run(probe, user_pool_id, client_id) for probe in probes]
    deletable = next(f for f in findings if f.check == "iam.AdminDeleteUser").status is Status.OK
    if deletable:
        findings.extend(_probe_create(client, user_pool_id, client_id))
    else:
        findings.append(
            Finding(
                "iam.AdminCreateUser",
                Status.SKIP,
                "AdminCreateUser not probed: its probe user could not be deleted again",
            )
        )
    return findings


def _grant_fix(action: str, user_pool_id: str) -> str:
    return (
        f"allow cognito-idp:{action} on the pool {user_pool_id} for the credentials hashless "
        "uses (`hashless policy` prints the whole policy)"
    )


def _run(probe: _Probe, user_pool_id: str, client_id: str) -> Finding:
    check = f"iam.{probe.action}"
    try:
        probe.call()
    except ClientError as exc:
        return _judge(check, probe, exc, user_pool_id, client_id)
    except BotoCoreError as exc:
        return Finding(
            check, Status.FAIL, f"{probe.action}: cannot reach Cognito ({type(exc).__name__})"
        )
    return Finding(check, Status.OK, f"IAM allows {probe.action}")


def _judge(
    check: str, probe: _Probe, exc: ClientError, user_pool_id: str, client_id: str
) -> Finding:
    code = error_code(exc)
    if is_denied(exc):
        need = "hashless needs it" if probe.required else "doctor and reconcile use it"
        return Finding(
            check,
            Status.FAIL if probe.required else Status.WARN,
            f"IAM denies {probe.action} ({need})",
            _grant_fix(probe.action, user_pool_id),
        )
    if code in _CREDENTIALS_REJECTED:
        return Finding(
            check, Status.SKIP, f"{probe.action}: not probed, AWS rejected the credentials ({code})"
        )
    failure = translate(
        exc,
        operation="doctor",
        action=probe.action,
        target=Target(user_pool_id=user_pool_id, client_id=client_id),
    )
    if names_setup_mistake(exc) and isinstance(failure, CredentialStoreMisconfigured):
        # IAM let the call through; what Cognito refused is the set-up itself.
        return Finding(
            check,
            Status.FAIL,
            f"IAM allows {probe.action}, but Cognito says: {failure}",
            failure.fix,
        )
    if code in ("TooManyRequestsException", "LimitExceededException"):
        return Finding(
            check,
            Status.WARN,
            f"{probe.action}: not probed, Cognito throttled the probe",
            "run doctor again in a minute",
        )
    if code in _PAST_IAM:
        return Finding(check, Status.OK, f"IAM allows {probe.action}")
    return Finding(
        check,
        Status.WARN,
        f"could not tell whether IAM allows {probe.action} (Cognito answered {code})",
        "run doctor again; if it persists, check the policy with `hashless policy`",
    )


def _probe_create(
    client: CognitoIdentityProviderClient, user_pool_id: str, client_id: str
) -> list[Finding]:
    username = probe_username()
    probe = _Probe(
        "AdminCreateUser",
        True,
        lambda: client.admin_create_user(
            UserPoolId=user_pool_id, Username=username, MessageAction="SUPPRESS"
        ),
    )
    finding = _run(probe, user_pool_id, client_id)
    if finding.status is not Status.OK:
        return [finding]
    try:
        client.admin_delete_user(UserPoolId=user_pool_id, Username=username)
    except ClientError as exc:
        if error_code(exc) == "UserNotFoundException":
            # Refused for another reason (the pool's username rules): nothing to clean up.
            return [finding]
        return [finding, _leftover(username, user_pool_id)]
    except BotoCoreError:
        return [finding, _leftover(username, user_pool_id)]
    return [finding]


def _leftover(username: str, user_pool_id: str) -> Finding:
    return Finding(
        "iam.cleanup",
        Status.FAIL,
        f"the probe user {username} could not be deleted again",
        f"aws cognito-idp admin-delete-user --user-pool-id {user_pool_id} --username {username}",
    )


def read_pool_arn(client: CognitoIdentityProviderClient, user_pool_id: str) -> str:
    """The pool's ARN from ``DescribeUserPool``; ``ConfigurationError`` if it cannot be read."""
    try:
        arn = client.describe_user_pool(UserPoolId=user_pool_id)["UserPool"].get("Arn")
    except (ClientError, BotoCoreError) as exc:
        reason = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        arn = None
    else:
        reason = "no ARN in the answer"
    if not arn:
        raise ConfigurationError(
            f"cannot read the ARN of the pool {user_pool_id} ({reason}): pass "
            "--account-id with the id of the AWS account that owns it"
        )
    return arn
