"""How CognitoCredentialStore turns Cognito's answers into hashless outcomes.

Real-Cognito behaviour that moto cannot produce (lockout, account states, secret-hash
failures, throttling) is injected with botocore's Stubber.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from botocore.stub import Stubber
from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

from hashless.credentials.client import make_cognito_client
from hashless.credentials.cognito import CognitoCredentialStore, secret_hash
from hashless.errors import (
    CredentialStoreMisconfigured,
    CredentialStoreRefused,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    HashlessError,
    InvalidCredentials,
    PasswordRejected,
)

Stubbed = tuple[CognitoIdentityProviderClient, Stubber]

POOL_ID = "eu-west-1_AbC123xyz"
CLIENT_ID = "4p2fmh3bd1sm9ktn5hfp8pg3lq"
CLIENT_SECRET = "1example23456789abcdefghijklmnopqrstuvwxyz0123456789AB"
USERNAME = "customer-0001"
EMAIL = "ada@example.com"
PASSWORD = "Tr0ub4dor&3-horse-battery"
"""The password every test sends; no exception message may ever contain it."""

KNOWN_SECRET_HASH = "o33e7yYdd8gMDvETF9LNvbwW2q+d0crdrvZvKz3ZrKo="
"""SECRET_HASH for USERNAME, CLIENT_ID and CLIENT_SECRET, computed outside Python:

    printf '%s' customer-0001 4p2fmh3bd1sm9ktn5hfp8pg3lq \\
      | openssl dgst -sha256 -hmac <CLIENT_SECRET> -binary | base64
"""

AUTH_RESULT = {
    "AuthenticationResult": {
        "AccessToken": "access-token-value",
        "IdToken": "id-token-value",
        "RefreshToken": "refresh-token-value",
        "ExpiresIn": 300,
        "TokenType": "Bearer",
    }
}


def store(
    client: CognitoIdentityProviderClient, secret: str | None = None
) -> CognitoCredentialStore:
    return CognitoCredentialStore(
        client, user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret=secret
    )


def auth_params(secret: str | None = None) -> dict[str, Any]:
    parameters = {"USERNAME": USERNAME, "PASSWORD": PASSWORD}
    if secret is not None:
        parameters["SECRET_HASH"] = KNOWN_SECRET_HASH
    return {
        "UserPoolId": POOL_ID,
        "ClientId": CLIENT_ID,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": parameters,
    }


def assert_clean(exc: BaseException) -> None:
    """The hashless error leaks nothing: no secret in its text, no botocore attached."""
    assert isinstance(exc, HashlessError)
    for text in (str(exc), repr(exc), getattr(exc, "reason", "")):
        assert PASSWORD not in text
        assert CLIENT_SECRET not in text
        assert KNOWN_SECRET_HASH not in text
    assert exc.__cause__ is None
    assert exc.__context__ is None


def run(stubbed: Stubbed, operation: str, code: str, message: str, status: int = 400) -> Any:
    """Stub one error answer for ``operation`` and call the matching store method."""
    client, stubber = stubbed
    method = {
        "check": "admin_initiate_auth",
        "create": "admin_create_user",
        "set_password": "admin_set_user_password",
        "update_email": "admin_update_user_attributes",
        "delete": "admin_delete_user",
    }[operation]
    stubber.add_client_error(method, code, message, http_status_code=status)
    target = store(client)
    if operation == "check":
        return target.check(USERNAME, PASSWORD)
    if operation == "create":
        return target.create(USERNAME, EMAIL)
    if operation == "set_password":
        return target.set_password(USERNAME, PASSWORD)
    if operation == "update_email":
        return target.update_email(USERNAME, EMAIL)
    return target.delete(USERNAME)


# --- SECRET_HASH -------------------------------------------------------------------


def test_secret_hash_matches_an_independently_computed_value() -> None:
    """SECRET_HASH is Base64(HMAC-SHA256(key=secret, msg=username + client id))."""
    assert secret_hash(USERNAME, CLIENT_ID, CLIENT_SECRET) == KNOWN_SECRET_HASH


def test_secret_hash_depends_on_the_username_actually_used() -> None:
    """A different spelling of the username gives a different hash (no normalisation)."""
    assert secret_hash(USERNAME.upper(), CLIENT_ID, CLIENT_SECRET) != KNOWN_SECRET_HASH


def test_check_sends_secret_hash_when_a_secret_is_configured(stubbed: Stubbed) -> None:
    """With a client secret, AuthParameters carries exactly the known SECRET_HASH."""
    client, stubber = stubbed
    stubber.add_response("admin_initiate_auth", AUTH_RESULT, auth_params(CLIENT_SECRET))
    store(client, CLIENT_SECRET).check(USERNAME, PASSWORD)


@pytest.mark.parametrize("secret", [None, ""])
def test_check_sends_no_secret_hash_without_a_secret(stubbed: Stubbed, secret: str | None) -> None:
    """Without a client secret (unset or empty setting) no SECRET_HASH is sent."""
    client, stubber = stubbed
    stubber.add_response("admin_initiate_auth", AUTH_RESULT, auth_params(None))
    store(client, secret).check(USERNAME, PASSWORD)


def test_admin_calls_other_than_auth_never_carry_the_secret(stubbed: Stubbed) -> None:
    """create, set_password, update_email and delete send exactly the documented params."""
    client, stubber = stubbed
    attributes = [
        {"Name": "email", "Value": EMAIL},
        {"Name": "email_verified", "Value": "true"},
    ]
    stubber.add_response(
        "admin_create_user",
        {"User": {"Username": USERNAME}},
        {
            "UserPoolId": POOL_ID,
            "Username": USERNAME,
            "UserAttributes": attributes,
            "MessageAction": "SUPPRESS",
            "ForceAliasCreation": True,
        },
    )
    stubber.add_response(
        "admin_set_user_password",
        {},
        {"UserPoolId": POOL_ID, "Username": USERNAME, "Password": PASSWORD, "Permanent": True},
    )
    stubber.add_response(
        "admin_update_user_attributes",
        {},
        {"UserPoolId": POOL_ID, "Username": USERNAME, "UserAttributes": attributes},
    )
    stubber.add_response("admin_delete_user", {}, {"UserPoolId": POOL_ID, "Username": USERNAME})
    target = store(client, CLIENT_SECRET)
    assert target.create(USERNAME, EMAIL) is True
    target.set_password(USERNAME, PASSWORD)
    target.update_email(USERNAME, EMAIL)
    target.delete(USERNAME)


def test_repr_does_not_show_the_secret(stubbed: Stubbed) -> None:
    """The store's repr says whether a secret is set, never what it is."""
    client, _ = stubbed
    assert CLIENT_SECRET not in repr(store(client, CLIENT_SECRET))


# --- check: answers ----------------------------------------------------------------


def test_check_discards_tokens_and_returns_none(stubbed: Stubbed) -> None:
    """A successful authentication returns None: the tokens go nowhere."""
    client, stubber = stubbed
    stubber.add_response("admin_initiate_auth", AUTH_RESULT, auth_params())
    store(client).check(USERNAME, PASSWORD)


def test_new_password_required_challenge_is_invalid_credentials(stubbed: Stubbed) -> None:
    """moto's NEW_PASSWORD_REQUIRED (Cognito's reset-required) reads as a wrong password."""
    client, stubber = stubbed
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 20, "ChallengeParameters": {}},
    )
    with pytest.raises(InvalidCredentials) as caught:
        store(client).check(USERNAME, PASSWORD)
    assert_clean(caught.value)


def test_mfa_challenge_is_a_misconfiguration(stubbed: Stubbed) -> None:
    """An MFA challenge comes from pool settings, so the fix says to turn MFA off."""
    client, stubber = stubbed
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 20, "ChallengeParameters": {}},
    )
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        store(client).check(USERNAME, PASSWORD)
    assert "MfaConfiguration=OFF" in caught.value.fix
    assert_clean(caught.value)


def test_empty_answer_is_unavailable(stubbed: Stubbed) -> None:
    """An answer with neither tokens nor a challenge is never taken as success."""
    client, stubber = stubbed
    stubber.add_response("admin_initiate_auth", {})
    with pytest.raises(CredentialStoreUnavailable):
        store(client).check(USERNAME, PASSWORD)


@pytest.mark.parametrize(
    "password",
    ["", " leading-space", "trailing-space ", "x" * 257, "nul\x00inside"],
    ids=["empty", "leading", "trailing", "too-long", "nul"],
)
def test_check_refuses_unstorable_passwords_without_a_call(stubbed: Stubbed, password: str) -> None:
    """A password Cognito could never hold fails as InvalidCredentials with no request."""
    client, _ = stubbed
    with pytest.raises(InvalidCredentials):
        store(client).check(USERNAME, password)


# --- the error table ---------------------------------------------------------------

WHITESPACE_MESSAGE = (
    "1 validation error detected: Value at 'password' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
)

ERROR_CASES: list[tuple[str, str, str, int, type[HashlessError]]] = [
    # check: everything that means "not this password now" looks the same
    ("check", "NotAuthorizedException", "Incorrect username or password.", 400, InvalidCredentials),
    ("check", "NotAuthorizedException", "Password attempts exceeded", 400, InvalidCredentials),
    ("check", "NotAuthorizedException", "User is disabled.", 400, InvalidCredentials),
    (
        "check",
        "PasswordResetRequiredException",
        "Password reset required.",
        400,
        InvalidCredentials,
    ),
    ("check", "UserNotConfirmedException", "User is not confirmed.", 400, InvalidCredentials),
    ("check", "UserNotFoundException", "User does not exist.", 400, InvalidCredentials),
    ("check", "InvalidParameterException", WHITESPACE_MESSAGE, 400, InvalidCredentials),
    # check: setup mistakes that arrive under the same codes
    (
        "check",
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {CLIENT_ID}",
        400,
        CredentialStoreMisconfigured,
    ),
    (
        "check",
        "NotAuthorizedException",
        f"Client {CLIENT_ID} is configured with secret but SECRET_HASH was not received",
        400,
        CredentialStoreMisconfigured,
    ),
    (
        "check",
        "InvalidParameterException",
        "Auth flow not enabled for this client",
        400,
        CredentialStoreMisconfigured,
    ),
    (
        "check",
        "ResourceNotFoundException",
        f"User pool {POOL_ID} does not exist.",
        400,
        CredentialStoreMisconfigured,
    ),
    (
        "check",
        "ResourceNotFoundException",
        f"User pool client {CLIENT_ID} does not exist.",
        400,
        CredentialStoreMisconfigured,
    ),
    ("check", "AccessDeniedException", "not authorized", 400, CredentialStoreMisconfigured),
    (
        "check",
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        400,
        CredentialStoreMisconfigured,
    ),
    ("check", "InvalidClientTokenId", "bad token", 403, CredentialStoreMisconfigured),
    # check: load and outages are never a wrong password
    ("check", "TooManyRequestsException", "Rate exceeded", 400, CredentialStoreThrottled),
    ("check", "LimitExceededException", "Limit exceeded", 400, CredentialStoreThrottled),
    ("check", "ThrottlingException", "Rate exceeded", 400, CredentialStoreThrottled),
    ("check", "InternalErrorException", "Internal error", 500, CredentialStoreUnavailable),
    ("check", "", "", 503, CredentialStoreUnavailable),
    # an answer no retry changes is not an outage that passes
    ("check", "SomethingNewException", "A future error", 400, CredentialStoreRefused),
    ("check", "SomethingNewException", "A future error", 500, CredentialStoreUnavailable),
    ("check", "UnexpectedLambdaException", "boom", 400, CredentialStoreMisconfigured),
    ("check", "RequestTimeout", "timed out", 400, CredentialStoreUnavailable),
    # set_password: policy refusals are the customer's to fix
    (
        "set_password",
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
        400,
        PasswordRejected,
    ),
    (
        "set_password",
        "PasswordHistoryPolicyViolationException",
        "The password history policy has been violated.",
        400,
        PasswordRejected,
    ),
    ("set_password", "InvalidParameterException", WHITESPACE_MESSAGE, 400, PasswordRejected),
    (
        "set_password",
        "UserNotFoundException",
        "User does not exist.",
        400,
        CredentialStoreRefused,
    ),
    ("set_password", "AccessDeniedException", "denied", 400, CredentialStoreMisconfigured),
    ("set_password", "TooManyRequestsException", "Rate exceeded", 400, CredentialStoreThrottled),
    ("set_password", "InternalErrorException", "Internal error", 500, CredentialStoreUnavailable),
    # create
    (
        "create",
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
        400,
        CredentialStoreMisconfigured,
    ),
    ("create", "ResourceNotFoundException", "nope", 400, CredentialStoreMisconfigured),
    ("create", "TooManyRequestsException", "Rate exceeded", 400, CredentialStoreThrottled),
    # update_email
    (
        "update_email",
        "UserNotFoundException",
        "User does not exist.",
        400,
        CredentialStoreRefused,
    ),
    (
        "update_email",
        "AliasExistsException",
        "An account with the email already exists.",
        400,
        CredentialStoreRefused,
    ),
    ("update_email", "InternalErrorException", "Internal error", 500, CredentialStoreUnavailable),
    # delete
    ("delete", "TooManyRequestsException", "Rate exceeded", 400, CredentialStoreThrottled),
    ("delete", "AccessDeniedException", "denied", 400, CredentialStoreMisconfigured),
]


@pytest.mark.parametrize(
    ("operation", "code", "message", "status", "expected"),
    ERROR_CASES,
    ids=[f"{case[0]}-{case[1] or case[3]}-{i}" for i, case in enumerate(ERROR_CASES)],
)
def test_error_table(
    stubbed: Stubbed,
    operation: str,
    code: str,
    message: str,
    status: int,
    expected: type[HashlessError],
) -> None:
    """Each Cognito error code maps to exactly the listed hashless exception, cleanly."""
    with pytest.raises(HashlessError) as caught:
        run(stubbed, operation, code, message, status)
    assert type(caught.value) is expected
    assert not isinstance(caught.value, ClientError | BotoCoreError)
    assert_clean(caught.value)


def test_all_invalid_credentials_read_the_same(stubbed: Stubbed) -> None:
    """Lockout, unknown user and account states give one identical message."""
    texts = set()
    for code, message in [
        ("NotAuthorizedException", "Incorrect username or password."),
        ("NotAuthorizedException", "Password attempts exceeded"),
        ("UserNotFoundException", "User does not exist."),
        ("UserNotConfirmedException", "User is not confirmed."),
        ("PasswordResetRequiredException", "Password reset required."),
    ]:
        with pytest.raises(InvalidCredentials) as caught:
            run(stubbed, "check", code, message)
        texts.add(str(caught.value))
    assert texts == {str(InvalidCredentials())}


def test_throttling_suggests_a_short_retry(stubbed: Stubbed) -> None:
    """Throttling carries a retry_after of one or two seconds."""
    with pytest.raises(CredentialStoreThrottled) as caught:
        run(stubbed, "check", "TooManyRequestsException", "Rate exceeded")
    assert 1 <= caught.value.retry_after <= 2


@pytest.mark.parametrize(
    ("code", "message", "fix_part"),
    [
        (
            "NotAuthorizedException",
            "Unable to verify secret hash for client x",
            "COGNITO_CLIENT_SECRET",
        ),
        (
            "InvalidParameterException",
            "Auth flow not enabled for this client",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        ),
        ("ResourceNotFoundException", f"User pool {POOL_ID} does not exist.", "pool *id*"),
        ("ResourceNotFoundException", "User pool client x does not exist.", "COGNITO_CLIENT_ID"),
        ("AccessDeniedException", "denied", "cognito-idp:AdminInitiateAuth"),
        ("UnrecognizedClientException", "invalid token", "AWS credentials"),
    ],
)
def test_misconfiguration_names_the_fix(
    stubbed: Stubbed, code: str, message: str, fix_part: str
) -> None:
    """A misconfiguration's fix names the setting, IAM action or pool option to change."""
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        run(stubbed, "check", code, message)
    assert fix_part in caught.value.fix
    assert caught.value.operation == "check"


def test_pool_name_instead_of_id_is_called_out(stubbed: Stubbed) -> None:
    """A pool *name* where the id belongs is named in the fix."""
    client, stubber = stubbed
    stubber.add_client_error(
        "admin_delete_user", "ResourceNotFoundException", "User pool hashless does not exist."
    )
    target = CognitoCredentialStore(client, user_pool_id="hashless", client_id=CLIENT_ID)
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        target.delete(USERNAME)
    assert "'hashless' does not look like a pool id" in caught.value.fix


def test_pool_in_another_region_is_called_out(stubbed: Stubbed) -> None:
    """A pool id whose region differs from the client's region is named in the fix."""
    client, stubber = stubbed
    stubber.add_client_error(
        "admin_delete_user", "ResourceNotFoundException", "User pool x does not exist."
    )
    target = CognitoCredentialStore(client, user_pool_id="us-east-1_AbC123", client_id=CLIENT_ID)
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        target.delete(USERNAME)
    assert "names region us-east-1 but COGNITO_REGION is eu-west-1" in caught.value.fix


# --- contract outcomes that are not errors -----------------------------------------


def test_create_existing_user_returns_false(stubbed: Stubbed) -> None:
    """UsernameExistsException from create means "already there": False."""
    assert run(stubbed, "create", "UsernameExistsException", "User account already exists") is False


def test_delete_missing_user_is_fine(stubbed: Stubbed) -> None:
    """UserNotFoundException from delete means the goal is already met."""
    assert run(stubbed, "delete", "UserNotFoundException", "User does not exist.") is None


# --- PasswordRejected reasons ------------------------------------------------------


def test_policy_message_becomes_the_reason(stubbed: Stubbed) -> None:
    """Cognito's policy message names the failed rule and is shown as the reason."""
    with pytest.raises(PasswordRejected) as caught:
        run(
            stubbed,
            "set_password",
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough",
        )
    assert caught.value.reason == "Password did not conform with policy: Password not long enough"


def test_reason_never_echoes_the_password(stubbed: Stubbed) -> None:
    """Should Cognito ever quote the input, a generic reason replaces its message."""
    with pytest.raises(PasswordRejected) as caught:
        run(stubbed, "set_password", "InvalidPasswordException", f"Password {PASSWORD} is weak")
    assert PASSWORD not in caught.value.reason
    assert caught.value.reason == "Password does not meet the password policy"


def test_generic_error_text_never_echoes_the_password(stubbed: Stubbed) -> None:
    """An unexpected error whose message quotes the password keeps only its code."""
    with pytest.raises(CredentialStoreRefused) as caught:
        run(stubbed, "check", "SomethingNewException", f"bad value {PASSWORD}")
    assert_clean(caught.value)
    assert "SomethingNewException" in str(caught.value)


def test_secret_hash_is_scrubbed_from_error_text(stubbed: Stubbed) -> None:
    """The client secret and SECRET_HASH are dropped from messages like the password."""
    client, stubber = stubbed
    stubber.add_client_error(
        "admin_initiate_auth",
        "SomethingNewException",
        f"saw {KNOWN_SECRET_HASH} and {CLIENT_SECRET}",
    )
    with pytest.raises(CredentialStoreRefused) as caught:
        store(client, CLIENT_SECRET).check(USERNAME, PASSWORD)
    assert_clean(caught.value)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "Password must not be empty"),
        (" padded ", "Password must not begin or end with whitespace"),
        ("x" * 257, "Password must be at most 256 characters"),
    ],
    ids=["empty", "whitespace", "too-long"],
)
def test_set_password_refuses_unstorable_passwords_without_a_call(
    stubbed: Stubbed, password: str, reason: str
) -> None:
    """Passwords Cognito would refuse are rejected locally, sparing a round trip."""
    client, _ = stubbed
    with pytest.raises(PasswordRejected) as caught:
        store(client).set_password(USERNAME, password)
    assert caught.value.reason == reason


def test_param_validation_names_parameters_not_values() -> None:
    """botocore's own validation failure becomes a misconfiguration naming the field."""
    # Validation runs before anything is sent, so a closed port is never contacted.
    client = make_cognito_client(
        region="eu-west-1",
        endpoint_url="http://127.0.0.1:1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    target = CognitoCredentialStore(client, user_pool_id="", client_id=CLIENT_ID)
    with pytest.raises(CredentialStoreMisconfigured) as caught:
        target.check(USERNAME, PASSWORD)
    assert "UserPoolId" in str(caught.value)
    assert_clean(caught.value)


def test_create_without_an_email_sends_no_email_attribute(stubbed: Stubbed) -> None:
    """A user with no email (possible in Django) is created with no malformed attribute."""
    client, stubber = stubbed
    stubber.add_response(
        "admin_create_user",
        {"User": {"Username": "django-7"}},
        {
            "UserPoolId": POOL_ID,
            "Username": "django-7",
            "UserAttributes": [],
            "MessageAction": "SUPPRESS",
            "ForceAliasCreation": True,
        },
    )
    assert store(client).create("django-7", "") is True
