"""An Amazon Cognito user pool as the password store, through the admin API only.

The pool is a password checker: ``check`` runs ``AdminInitiateAuth`` and throws the
tokens away. Nothing here logs, and no message carries a password, a token, the client
secret or a ``SECRET_HASH``: see ``_errors`` for how failures become hashless errors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from hashless.blocking import DIRECT, Blocking
from hashless.credentials._errors import (
    Target,
    error_code,
    error_message,
    is_password_parameter_error,
    names_setup_mistake,
    safe_text,
    translate,
)
from hashless.errors import (
    CredentialStoreMisconfigured,
    CredentialStoreUnavailable,
    HashlessError,
    InvalidCredentials,
    PasswordRejected,
)
from hashless.passwords import storable_reason

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

__all__ = ["COGNITO_LOCKOUT_FAILURES", "CognitoCredentialStore", "secret_hash"]

T = TypeVar("T")

COGNITO_LOCKOUT_FAILURES = 5
"""Failed sign-ins after which Cognito locks a user (1 s, doubling to about 15 min)."""

# Answers that mean "this password does not open this account now". Lockout arrives as
# NotAuthorizedException ("Password attempts exceeded"); the account states must look
# exactly like a wrong password: none of them proves the password right (a user in
# RESET_REQUIRED may have no password at all), so any other answer would tell a guesser
# that the account exists.
_NOT_AUTHENTICATED = frozenset(
    {
        "NotAuthorizedException",
        "UserNotFoundException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    }
)

# Challenges that are an account state (moto answers this where Cognito raises
# PasswordResetRequiredException; a user created but never given a password also
# lands here). Any other challenge comes from pool settings hashless does not use.
_ACCOUNT_STATE_CHALLENGES = frozenset({"NEW_PASSWORD_REQUIRED"})

# Refused before any password was judged or written: such a failure was surely not
# applied. It is not sent again either: a throttled call answers 503 at once, since a
# resend only queues the customer behind a quota that is already spent.
_UNJUDGED_CODES = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}
)
_RETRY_PAUSE = 0.05
"""Seconds before the first resend of a password request; doubled, then tripled."""

_POLICY_REJECTED = frozenset(
    {"InvalidPasswordException", "PasswordHistoryPolicyViolationException"}
)

_GENERIC_POLICY_REASON = "Password does not meet the password policy"
_HISTORY_REASON = "Password was used recently; choose a different one"
_UNACCEPTED_REASON = "Password contains characters the password store does not accept"


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Cognito's ``SECRET_HASH``: Base64(HMAC-SHA256(client_secret, username + client_id))."""
    digest = hmac.new(
        client_secret.encode("utf-8"),
        (username + client_id).encode("utf-8"),
        hashlib.sha256,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _never(_: ClientError) -> bool:
    return False


class CognitoCredentialStore:
    """A ``CredentialStore`` backed by one Cognito user pool and one app client.

    ``client`` is the process's shared boto3 client (see ``make_cognito_client``).
    The app client must allow ``ALLOW_ADMIN_USER_PASSWORD_AUTH``; if it has a secret,
    pass it as ``client_secret`` so ``check`` can send the ``SECRET_HASH``.
    """

    def __init__(
        self,
        client: CognitoIdentityProviderClient,
        *,
        user_pool_id: str,
        client_id: str,
        client_secret: str | None = None,
        auth_client: CognitoIdentityProviderClient | None = None,
        auth_attempts: int = 3,
        blocking: Blocking = DIRECT,
    ) -> None:
        self._client = client
        self._blocking = blocking
        # botocore's retries would resend a password check or write after a read
        # timeout, when Cognito may already have judged or applied it: one typo would
        # count several times toward its lockout, and a password write would stay in
        # flight longer than anyone knows. Given a client that makes one attempt,
        # ``check`` and ``set_password`` resend only what surely never reached a
        # password (see ``_send``), and know which failures may still be applied.
        self._auth_client = auth_client or client
        self._auth_attempts = auth_attempts if auth_client is not None else 1
        self._single_send = auth_client is not None
        self._user_pool_id = user_pool_id
        self._client_id = client_id
        # An empty setting means "no secret", not a secret of length zero.
        self._client_secret = client_secret or None
        self._target = Target(
            region=client.meta.region_name,
            user_pool_id=user_pool_id,
            client_id=client_id,
        )

    @property
    def user_pool_id(self) -> str:
        return self._user_pool_id

    @property
    def client_id(self) -> str:
        return self._client_id

    def __repr__(self) -> str:
        secret = "set" if self._client_secret else "none"
        return (
            f"CognitoCredentialStore(user_pool_id={self._user_pool_id!r}, "
            f"client_id={self._client_id!r}, client_secret={secret})"
        )

    def check(self, username: str, password: str) -> None:
        """Return if ``password`` opens the user's account, else raise ``InvalidCredentials``."""
        if not password or storable_reason(password) is not None:
            # Cognito could never have stored it, so no call can succeed.
            raise InvalidCredentials()
        parameters = {"USERNAME": username, "PASSWORD": password}
        hashed = None
        if self._client_secret is not None:
            hashed = secret_hash(username, self._client_id, self._client_secret)
            parameters["SECRET_HASH"] = hashed
        response = self._call(
            "check",
            "AdminInitiateAuth",
            lambda: self._send(
                lambda: self._auth_client.admin_initiate_auth(
                    UserPoolId=self._user_pool_id,
                    ClientId=self._client_id,
                    AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                    AuthParameters=parameters,
                )
            ),
            secrets=(password, hashed),
            expected=lambda exc: (
                error_code(exc) in _NOT_AUTHENTICATED or is_password_parameter_error(exc)
            ),
        )
        if isinstance(response, ClientError):
            raise InvalidCredentials()
        # The tokens are dropped here on purpose: hashless keeps its own sessions.
        if "AuthenticationResult" in response:
            return
        challenge = response.get("ChallengeName")
        if challenge in _ACCOUNT_STATE_CHALLENGES:
            raise InvalidCredentials()
        if challenge:
            raise CredentialStoreMisconfigured(
                "check",
                f"Cognito answered with the {challenge} challenge",
                "turn MFA off (MfaConfiguration=OFF) and remove custom auth triggers: "
                "hashless uses the pool only as a password checker",
            )
        raise CredentialStoreUnavailable("check", "Cognito answered without a result")

    def _send(self, request: Callable[[], T]) -> T:
        """One password request, sent again only if it never left this host.

        A connection that never opened reached no password, and another connection
        may open; a read timeout may have reached it, so it is never resent, and a
        throttled request is answered at once (see ``_UNJUDGED_CODES``).
        """
        for attempt in range(1, self._auth_attempts + 1):
            try:
                return request()
            except (EndpointConnectionError, ConnectTimeoutError):
                if attempt == self._auth_attempts:
                    raise
            self._blocking.pause(_RETRY_PAUSE * attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    def create(self, username: str, email: str) -> bool:
        """Create the user with no usable password; False if the username is taken.

        ``ForceAliasCreation`` moves the email alias from any other Cognito user: the
        host's database, not the pool, decides who owns an email. An empty ``email``
        (Django users may have none) sends no email attribute at all, which Cognito
        would refuse as malformed.
        """
        attributes: list[AttributeTypeTypeDef] = (
            [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
            if email
            else []
        )
        response = self._call(
            "create",
            "AdminCreateUser",
            lambda: self._client.admin_create_user(
                UserPoolId=self._user_pool_id,
                Username=username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",
                ForceAliasCreation=True,
            ),
            expected=lambda exc: error_code(exc) == "UsernameExistsException",
        )
        return not isinstance(response, ClientError)

    def set_password(self, username: str, password: str) -> None:
        """Make ``password`` permanent; ``PasswordRejected`` if the pool's policy refuses it."""
        if not password:
            raise PasswordRejected("Password must not be empty")
        reason = storable_reason(password)
        if reason is not None:
            raise PasswordRejected(reason)
        response = self._call(
            "set_password",
            "AdminSetUserPassword",
            lambda: self._send(
                lambda: self._auth_client.admin_set_user_password(
                    UserPoolId=self._user_pool_id,
                    Username=username,
                    Password=password,
                    Permanent=True,
                )
            ),
            secrets=(password,),
            expected=lambda exc: (
                error_code(exc) in _POLICY_REJECTED or is_password_parameter_error(exc)
            ),
        )
        if isinstance(response, ClientError):
            raise PasswordRejected(_rejection_reason(response, password))

    def update_email(self, username: str, email: str) -> None:
        """Set the user's email, marked verified: hashless verified it (or chose not to)."""
        self._call(
            "update_email",
            "AdminUpdateUserAttributes",
            lambda: self._client.admin_update_user_attributes(
                UserPoolId=self._user_pool_id,
                Username=username,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
            ),
        )

    def delete(self, username: str) -> None:
        """Delete the user; a user that is already gone is not an error."""
        self._call(
            "delete",
            "AdminDeleteUser",
            lambda: self._client.admin_delete_user(
                UserPoolId=self._user_pool_id, Username=username
            ),
            expected=lambda exc: error_code(exc) == "UserNotFoundException",
        )

    def _call(
        self,
        operation: str,
        action: str,
        request: Callable[[], T],
        *,
        secrets: tuple[str | None, ...] = (),
        expected: Callable[[ClientError], bool] = _never,
    ) -> T | ClientError:
        """Run ``request``; return its response, or the ClientError the caller expects.

        Every other failure is raised as a hashless error. It is raised outside the
        ``except`` block so that it carries no ``__context__``: the botocore exception,
        and anything it holds, never travels with it.
        """
        failure: HashlessError
        try:
            return request()
        except ClientError as exc:
            if expected(exc) and not names_setup_mistake(exc):
                return exc
            unsent = error_code(exc) in _UNJUDGED_CODES
            failure = translate(
                exc,
                operation=operation,
                action=action,
                target=self._target,
                secrets=(*secrets, self._client_secret),
            )
        except BotoCoreError as exc:
            failure = translate(exc, operation=operation, action=action, target=self._target)
            unsent = isinstance(exc, EndpointConnectionError | ConnectTimeoutError)
        except Exception as exc:
            # Not botocore's own (urllib3, sockets, a body that does not parse): the
            # store did not answer usably, which is an outage, and its text is unknown.
            failure = CredentialStoreUnavailable(operation, type(exc).__name__)
            unsent = False
        if isinstance(failure, CredentialStoreUnavailable) and unsent and self._single_send:
            # Only a single send's failure tells: botocore's own retries may hide an
            # earlier attempt that timed out after reaching Cognito.
            failure.maybe_applied = False
        raise failure


def _rejection_reason(exc: ClientError, password: str) -> str:
    """A reason safe to show the customer for a refused password."""
    code = error_code(exc)
    if code == "PasswordHistoryPolicyViolationException":
        return _HISTORY_REASON
    if code == "InvalidPasswordException":
        # Cognito names the rule that failed ("Password not long enough"), which is
        # worth showing; safe_text still drops it should it ever quote the input.
        return safe_text(error_message(exc), (password,)) or _GENERIC_POLICY_REASON
    return _UNACCEPTED_REASON
