"""hashless: keep customers' passwords out of the store's database.

Credentials live in an AWS Cognito user pool used as a password checker; legacy
hashes are migrated lazily, one way, at each customer's first successful login.
"""

from hashless.errors import (
    AccountExists,
    ConfigurationError,
    CredentialStoreMisconfigured,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    HashlessError,
    InvalidCredentials,
    InvalidResetToken,
    MalformedHash,
    PasswordRejected,
    ReauthenticationRequired,
    TooManyAttempts,
)
from hashless.migration import (
    CredentialRecord,
    CredentialRecords,
    CredentialState,
    LockedRecord,
    MigrationEngine,
    MigrationEvent,
)

__version__ = "0.1.0"

__all__ = [
    "AccountExists",
    "ConfigurationError",
    "CredentialRecord",
    "CredentialRecords",
    "CredentialState",
    "CredentialStoreMisconfigured",
    "CredentialStoreThrottled",
    "CredentialStoreUnavailable",
    "HashlessError",
    "InvalidCredentials",
    "InvalidResetToken",
    "LockedRecord",
    "MalformedHash",
    "MigrationEngine",
    "MigrationEvent",
    "PasswordRejected",
    "ReauthenticationRequired",
    "TooManyAttempts",
    "__version__",
]
