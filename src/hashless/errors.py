"""The exceptions hashless raises.

Every error that leaves a hashless API is one of these; botocore's, SQLAlchemy's and
the hash libraries' are translated at the adapter that meets them. No message ever
contains a password, a hash, a token or a secret: messages name the customer id and
the operation at most, so they are safe to log and to show an operator.

    HashlessError                    base, never raised directly
    ├── InvalidCredentials           wrong password, unknown account, or an account state
    │                                (locked, reset required) that must look the same
    ├── PasswordRejected             the password store's policy refused a new password
    ├── AccountExists                an account with this email already exists
    ├── ReauthenticationRequired     a sensitive change without fresh proof of the password
    ├── InvalidResetToken            unknown, used or expired reset token
    ├── TooManyAttempts              too many failed logins for this account or address
    ├── CredentialStoreUnavailable   the password store cannot answer now: retry later
    │   └── CredentialStoreThrottled the password store is shedding load
    ├── CredentialStoreRefused       the password store refused a change for good (an
    │                                email another of its users holds...): no retry helps
    ├── CredentialStoreMisconfigured pool, client, secret, auth flow or IAM is wrong
    ├── MalformedHash                a stored legacy hash cannot be parsed or is out of bounds
    └── ConfigurationError           a setting is missing or wrong; the message says the fix
"""

from __future__ import annotations

__all__ = [
    "AccountExists",
    "ConfigurationError",
    "CredentialStoreMisconfigured",
    "CredentialStoreRefused",
    "CredentialStoreThrottled",
    "CredentialStoreUnavailable",
    "HashlessError",
    "InvalidCredentials",
    "InvalidResetToken",
    "MalformedHash",
    "PasswordRejected",
    "ReauthenticationRequired",
    "TooManyAttempts",
]


class HashlessError(Exception):
    """Base of every hashless error. Never raised directly."""


class InvalidCredentials(HashlessError):
    """The email/password pair does not open an account.

    Deliberately covers unknown emails, wrong passwords and account states such as a
    Cognito lockout, so that callers cannot tell them apart.
    """

    def __init__(self, message: str = "Incorrect email or password.") -> None:
        super().__init__(message)


class PasswordRejected(HashlessError):
    """The password store refused a new password (length, pool policy, whitespace).

    ``reason`` is a human-readable explanation safe to show the customer.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccountExists(HashlessError):
    """An account customer with this email already exists."""

    def __init__(self) -> None:
        super().__init__("A customer with the given email already has an account. Log in instead")


class ReauthenticationRequired(HashlessError):
    """A password or email change came without proof of the current password."""

    def __init__(self) -> None:
        super().__init__(
            "Confirm your current password: send current_password, or log in again first"
        )


class InvalidResetToken(HashlessError):
    """The reset token is unknown, already used, or expired."""

    def __init__(self) -> None:
        super().__init__("Invalid or expired password reset token")


class TooManyAttempts(HashlessError):
    """Failed logins for this account or client address must wait ``retry_after`` seconds.

    Keyed by the email as typed, whether or not it has an account, so the answer
    reveals nothing about existence.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed attempts. Try again in {retry_after} seconds, or reset your password."
        )
        self.retry_after = retry_after


class CredentialStoreUnavailable(HashlessError):
    """The password store could not answer (timeout, connection, internal error).

    This is never a wrong password. ``retry_after`` is a hint in seconds.
    ``maybe_applied`` is False only when the request surely never reached the store
    (a connection that never opened, a throttled or locally refused call): otherwise a
    write that failed so may still be applied, later, by the store.
    """

    def __init__(
        self, operation: str, detail: str, retry_after: int = 5, *, maybe_applied: bool = True
    ) -> None:
        super().__init__(f"Password store unavailable during {operation}: {detail}")
        self.operation = operation
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied


class CredentialStoreThrottled(CredentialStoreUnavailable):
    """The password store refused the call for exceeding its request quota."""


class CredentialStoreRefused(HashlessError):
    """The password store refused the call with an answer that repeating cannot change.

    A client error (HTTP 4xx) that is neither throttling nor a setup mistake, such as
    ``AliasExistsException`` when another user of the pool holds the new email. The
    message names the operation and the store's code, never a value sent.
    """

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"Password store refused {operation}: {detail}")
        self.operation = operation


class CredentialStoreMisconfigured(HashlessError):
    """The password store refused the call because hashless is set up wrongly."""

    def __init__(self, operation: str, detail: str, fix: str) -> None:
        super().__init__(f"Password store misconfigured ({operation}): {detail}. Fix: {fix}")
        self.operation = operation
        self.fix = fix


class MalformedHash(HashlessError):
    """A stored legacy hash cannot be parsed, or its parameters exceed the allowed bounds."""

    def __init__(self, format_name: str, detail: str) -> None:
        super().__init__(f"Malformed {format_name} hash: {detail}")
        self.format_name = format_name


class ConfigurationError(HashlessError):
    """A setting is missing or wrong. The message names it and says how to fix it."""
