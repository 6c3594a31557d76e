"""``hashless doctor`` against real-Cognito answers moto cannot give, injected with a Stubber."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.config import CognitoSettings, Settings
from hashless.credentials.client import make_cognito_client
from hashless.ops.doctor import run_doctor
from hashless.ops.findings import Finding, Status
from tests.ops.conftest import KEYS, REGION

POOL_ID = f"{REGION}_Stubbed1"
CLIENT_ID = "stubbedclientid"
SECRET = "configured-client-secret"

POOL: dict[str, Any] = {
    "Id": POOL_ID,
    "Name": "shop",
    "Arn": f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/{POOL_ID}",
    "Policies": {"PasswordPolicy": {"MinimumLength": 8}},
    "AliasAttributes": ["email"],
    "UsernameConfiguration": {"CaseSensitive": False},
    "MfaConfiguration": "OFF",
    "LambdaConfig": {},
}
APP: dict[str, Any] = {
    "ClientId": CLIENT_ID,
    "ClientName": "hashless-server",
    "UserPoolId": POOL_ID,
    "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    "PreventUserExistenceErrors": "ENABLED",
}

# The probes in the order doctor makes them, with the answer real Cognito gives for a
# username that does not exist (PreventUserExistenceErrors hides it from AdminInitiateAuth).
PROBES: list[tuple[str, tuple[str, str] | dict[str, Any]]] = [
    ("admin_initiate_auth", ("NotAuthorizedException", "Incorrect username or password.")),
    ("admin_set_user_password", ("UserNotFoundException", "User does not exist.")),
    ("admin_update_user_attributes", ("UserNotFoundException", "User does not exist.")),
    ("admin_delete_user", ("UserNotFoundException", "User does not exist.")),
    ("admin_get_user", ("UserNotFoundException", "User does not exist.")),
    ("list_users", {"Users": []}),
    ("admin_create_user", {"User": {"Username": "probe"}}),
    ("admin_delete_user", {}),
]


@pytest.fixture(scope="module")
def client() -> CognitoIdentityProviderClient:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # A closed local port: a call the test did not stub can never leave the machine.
    return make_cognito_client(
        region=REGION,
        endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
    )


@pytest.fixture
def stubber(client: CognitoIdentityProviderClient) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _answer(stubber: Stubber, method: str, answer: tuple[str, str] | dict[str, Any]) -> None:
    if isinstance(answer, tuple):
        stubber.add_client_error(method, answer[0], answer[1], http_status_code=400)
    else:
        stubber.add_response(method, answer)


def _run(
    client: CognitoIdentityProviderClient,
    stubber: Stubber,
    *,
    pool: tuple[str, str] | dict[str, Any] | None = None,
    app: tuple[str, str] | dict[str, Any] | None = None,
    probes: dict[int, tuple[str, str] | dict[str, Any]] | None = None,
    secret: str | None = None,
) -> dict[str, Finding]:
    _answer(stubber, "describe_user_pool", pool or {"UserPool": POOL})
    _answer(
        stubber,
        "describe_user_pool_client",
        app or {"UserPoolClient": APP | ({"ClientSecret": secret} if secret else {})},
    )
    for index, (method, answer) in enumerate(PROBES):
        _answer(stubber, method, (probes or {}).get(index, answer))
    cognito = CognitoSettings(
        **KEYS,
        COGNITO_USER_POOL_ID=POOL_ID,
        COGNITO_CLIENT_ID=CLIENT_ID,
        COGNITO_CLIENT_SECRET=secret,
    )
    return {f.check: f for f in run_doctor(Settings(), cognito, client=client)}


def test_hidden_user_existence_still_counts_as_permitted(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """NotAuthorizedException for an unknown user (user existence hidden) means IAM allowed it."""
    findings = _run(client, stubber)
    assert all(
        findings[f"iam.{a}"].status is Status.OK
        for a in ("AdminInitiateAuth", "AdminSetUserPassword", "AdminCreateUser", "ListUsers")
    )


def test_access_denied_exception_names_the_action(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """Cognito's own AccessDeniedException (HTTP 400) on a probe: ✗ with the grant to add."""
    denied = (
        "AccessDeniedException",
        "User: arn:aws:iam::1:user/x is not authorized to perform: "
        "cognito-idp:AdminSetUserPassword",
    )
    findings = _run(client, stubber, probes={1: denied})
    finding = findings["iam.AdminSetUserPassword"]
    assert finding.status is Status.FAIL
    assert finding.fix is not None and finding.fix.startswith(
        f"allow cognito-idp:AdminSetUserPassword on the pool {POOL_ID}"
    )


def test_a_wrong_secret_is_found_by_the_probe_when_the_client_cannot_be_read(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """Describe denied, yet 'Unable to verify secret hash' from the probe still names the secret."""
    findings = _run(
        client,
        stubber,
        app=(
            "AccessDeniedException",
            "not authorized to perform: cognito-idp:DescribeUserPoolClient",
        ),
        probes={
            0: ("NotAuthorizedException", f"Unable to verify secret hash for client {CLIENT_ID}")
        },
        secret=SECRET,
    )
    assert findings["client"].status is Status.WARN
    assert "DescribeUserPoolClient" in (findings["client"].fix or "")
    probe = findings["iam.AdminInitiateAuth"]
    assert probe.status is Status.FAIL
    assert "Unable to verify secret hash" in probe.summary
    assert "COGNITO_CLIENT_SECRET" in (probe.fix or "")
    assert SECRET not in probe.summary + (probe.fix or "")


def test_auth_flow_refusal_from_the_probe(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """Real Cognito's 'Auth flow not enabled for this client' is named with the flow to enable."""
    findings = _run(
        client,
        stubber,
        app=("AccessDeniedException", "denied"),
        probes={0: ("InvalidParameterException", "Auth flow not enabled for this client")},
    )
    probe = findings["iam.AdminInitiateAuth"]
    assert probe.status is Status.FAIL
    assert (
        probe.fix == "enable ALLOW_ADMIN_USER_PASSWORD_AUTH in the app client's ExplicitAuthFlows"
    )


def test_a_throttled_probe_is_a_warning_not_a_verdict(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """TooManyRequestsException (HTTP 400 in Cognito) says nothing about IAM: a warning."""
    findings = _run(client, stubber, probes={4: ("TooManyRequestsException", "Rate exceeded")})
    assert findings["iam.AdminGetUser"].status is Status.WARN
    assert "throttled" in findings["iam.AdminGetUser"].summary


def test_unreadable_pool_settings_are_explained(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """DescribeUserPool denied: a warning with the grant; the pool's own checks are skipped."""
    findings = _run(client, stubber, pool=("AccessDeniedException", "denied"))
    assert findings["pool"].status is Status.WARN
    assert "hashless policy --operator" in (findings["pool"].fix or "")
    assert "pool.password-policy" not in findings
    assert findings["client.auth-flow"].status is Status.OK


def test_lambda_triggers_are_a_warning(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """Pre-authentication triggers slow every login and can refuse migrations: named."""
    pool = POOL | {"LambdaConfig": {"PreAuthentication": "arn:aws:lambda:eu-west-1:1:function:f"}}
    findings = _run(client, stubber, pool={"UserPool": pool})
    assert findings["pool.triggers"].status is Status.WARN
    assert "PreAuthentication" in findings["pool.triggers"].summary


def test_a_client_id_unknown_to_real_cognito(
    client: CognitoIdentityProviderClient, stubber: Stubber
) -> None:
    """ResourceNotFoundException for the client lists the pool's clients in the fix."""
    stubber.add_response("describe_user_pool", {"UserPool": POOL})
    stubber.add_client_error(
        "describe_user_pool_client",
        "ResourceNotFoundException",
        f"User pool client {CLIENT_ID} does not exist.",
    )
    stubber.add_response(
        "list_user_pool_clients",
        {
            "UserPoolClients": [
                {"ClientId": "realclientid", "ClientName": "storefront", "UserPoolId": POOL_ID}
            ]
        },
    )
    cognito = CognitoSettings(**KEYS, COGNITO_USER_POOL_ID=POOL_ID, COGNITO_CLIENT_ID=CLIENT_ID)
    findings = {f.check: f for f in run_doctor(Settings(), cognito, client=client)}
    assert findings["client"].status is Status.FAIL
    assert findings["client"].fix == (
        "set COGNITO_CLIENT_ID to the id of one of this pool's app clients: "
        "storefront (realclientid)"
    )
