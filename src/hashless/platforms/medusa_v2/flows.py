"""What the Medusa v2 provider asks of hashless: log in, register, set a password.

Each flow answers with the Medusa identity the provider hands back to Medusa, which
issues its own token from it; the migration engine does every credential write.
"""

from __future__ import annotations

from dataclasses import replace

from hashless.credentials.protocol import CredentialStore
from hashless.errors import AccountExists, HashlessError, InvalidCredentials
from hashless.migration import CredentialRecord, CredentialState, MigrationEngine
from hashless.platforms.medusa_v2.records import (
    MedusaIdentity,
    MedusaV2Records,
    new_auth_identity_id,
)

__all__ = ["Found", "MedusaV2Flows", "StaysWithMedusa"]

Found = tuple[CredentialRecord, MedusaIdentity] | None
"""An identity as the flows read it: its credential record and Medusa's identity."""


class StaysWithMedusa(HashlessError):
    """The identity is an admin's and admins are out of scope: Medusa's own emailpass
    judges it, and its hash stays where it is."""

    def __init__(self) -> None:
        super().__init__("this identity stays with Medusa's own emailpass provider")


class MedusaV2Flows:
    def __init__(
        self,
        engine: MigrationEngine,
        records: MedusaV2Records,
        store: CredentialStore,
        *,
        include_admins: bool = False,
    ) -> None:
        self._engine = engine
        self._records = records
        self._store = store
        self._include_admins = include_admins

    def _find(self, entity_id: str) -> Found:
        found = self._records.find_identity(entity_id)
        if found is not None and found[1].is_admin and not self._include_admins:
            raise StaysWithMedusa()
        return found

    def authenticate(self, email: str, password: str) -> MedusaIdentity:
        """The customer's identity if the password is theirs (migrating a legacy one);
        ``InvalidCredentials`` alike for an unknown email and a wrong password."""
        return self.authenticate_found(self.identify(email), password)[0]

    def identify(self, email: str) -> Found:
        """The record and identity of ``email`` (None: unknown), for ``authenticate_found``."""
        return self._find(email)

    def authenticate_found(self, found: Found, password: str) -> tuple[MedusaIdentity, bool]:
        """``authenticate`` of what ``identify`` found, and whether Cognito judged the
        password (False: the legacy hash let them in, the store unasked)."""
        record = self._engine.authenticate(found[0] if found is not None else None, password)
        assert found is not None  # authenticate raised for an unknown email
        return found[1], record.state is CredentialState.COGNITO

    @staticmethod
    def judged_by_store(found: Found) -> bool:
        """Whether a wrong password for what ``identify`` found was Cognito's verdict."""
        return found is not None and found[0].state is CredentialState.COGNITO

    def register(self, email: str, password: str) -> MedusaIdentity:
        """A new identity whose password is in Cognito only.

        As Medusa's own ``emailpass`` does, an identity no actor was ever attached to
        (a registration abandoned before its customer was created) is handed back to
        whoever proves its password; any other existing identity is ``AccountExists``.
        """
        existing = self._find(email)
        if existing is not None:
            if existing[1].app_metadata:
                raise AccountExists()
            try:
                return self.authenticate(email, password)
            except InvalidCredentials:
                raise AccountExists() from None
        customer_id = new_auth_identity_id()
        return self._engine.register(
            customer_id, email, password, lambda: self._records.insert(customer_id, email)
        )

    def update(
        self, entity_id: str, password: str | None, email: str | None = None
    ) -> MedusaIdentity:
        """Medusa's ``update`` after it validated (and used up) a reset token for
        ``entity_id``: a new password goes to Cognito (any legacy hash goes away); a new
        email becomes the identity's ``entity_id`` and the Cognito user's email, its
        username (the auth identity id) unchanged."""
        found = self._find(entity_id)
        if found is None:
            raise InvalidCredentials()
        identity = found[1]
        if password is not None:
            self._engine.set_password(identity.id, password)
        if email is not None and email != identity.entity_id:
            self._engine.change_email(identity.id, email)
            identity = replace(identity, entity_id=email)
        return identity

    def forget(self, auth_identity_id: str) -> bool:
        """Delete the Cognito user of an auth identity Medusa has deleted (a customer
        removed by an admin); False, and nothing deleted, while the identity exists."""
        if self._records.exists(auth_identity_id):
            return False
        self._store.delete(auth_identity_id)
        return True
