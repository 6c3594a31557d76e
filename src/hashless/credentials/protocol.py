"""The contract between the migration engine and wherever passwords finally live."""

from __future__ import annotations

from typing import Protocol

__all__ = ["CredentialStore"]


class CredentialStore(Protocol):
    """A password checker that holds one credential per opaque username.

    The username is the customer's immutable id, never the email. Every method raises
    only :mod:`hashless.errors` exceptions: ``InvalidCredentials`` from ``check``;
    ``PasswordRejected`` from ``set_password``; ``CredentialStoreUnavailable`` (and its
    ``CredentialStoreThrottled``) or ``CredentialStoreMisconfigured`` from any of them.
    """

    def check(self, username: str, password: str) -> None:
        """Return if ``password`` is the user's password, else raise ``InvalidCredentials``."""

    def create(self, username: str, email: str) -> bool:
        """Create the user without a usable password; False if it already existed."""

    def set_password(self, username: str, password: str) -> None:
        """Make ``password`` the user's permanent password."""

    def update_email(self, username: str, email: str) -> None:
        """Keep the user's email attribute in step with the customer record."""

    def delete(self, username: str) -> None:
        """Delete the user; deleting a user that does not exist is not an error."""
