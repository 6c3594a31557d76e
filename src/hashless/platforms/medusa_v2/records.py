"""The migration engine's view of Medusa v2's ``auth_identity`` / ``provider_identity``.

A customer is a Medusa auth identity with an ``emailpass`` provider identity; its
credential id (and Cognito username) is ``auth_identity.id``, which never changes,
never the email (``provider_identity.entity_id``). The record is legacy while
``provider_metadata.password`` holds the scrypt-kdf hash Medusa's own ``emailpass``
wrote, and in Cognito once that key is gone.

What this module writes in Medusa's tables, and nothing else:

- ``provider_identity.provider_metadata``: the ``password`` key removed, other keys
  kept (``mark_in_store``), never replaced by any other value;
- ``provider_identity.entity_id``: a new email (``set_email``);
- ``provider_identity.updated_at`` on each of those writes;
- a new ``auth_identity`` (``id``, ``app_metadata`` NULL) and its ``emailpass``
  ``provider_identity`` (``id``, ``entity_id``, ``provider``, ``auth_identity_id``,
  ``user_metadata`` NULL, ``provider_metadata`` NULL) for a registration, exactly
  the rows Medusa's own ``emailpass`` register makes, minus the hash;
- the ``auth_identity`` row deleted (its provider identities and reset tokens go
  with it through Medusa's own ``ON DELETE CASCADE``) by ``mark_deleted``.

The blocked mark and the write fence live in hashless' state schema (``credential``,
keyed by the auth identity id), outer-joined to every read and written in the
transaction that holds the ``provider_identity`` row lock.

Identities that belong to an admin (``app_metadata.user_id``) stay Medusa's unless
``include_admins`` is on: they are invisible here, so their hashes never move.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    Select,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from hashless.errors import AccountExists
from hashless.migration.records import CredentialRecord, CredentialState
from hashless.storage.hosted import STORE_SCHEMA, state_engine
from hashless.storage.hosted.marks import MARK, mark_moved, upsert_mark

__all__ = [
    "LEGACY_FORMAT",
    "PROVIDER",
    "MedusaIdentity",
    "MedusaV2Records",
    "auth_identity",
    "new_auth_identity_id",
    "provider_identity",
]

PROVIDER = "emailpass"
"""The provider id whose identities hold customer passwords (Medusa's own, or ours)."""
LEGACY_FORMAT = "medusa-v2"
"""The verifier for the hashes Medusa's ``emailpass`` wrote."""

_medusa = MetaData(schema=STORE_SCHEMA)
auth_identity = Table(
    "auth_identity",
    _medusa,
    Column("id", Text, primary_key=True),
    Column("app_metadata", JSONB),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
)
provider_identity = Table(
    "provider_identity",
    _medusa,
    Column("id", Text, primary_key=True),
    Column("entity_id", Text),
    Column("provider", Text),
    Column("auth_identity_id", Text),
    Column("user_metadata", JSONB),
    Column("provider_metadata", JSONB),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
)
"""Only the columns hashless reads or writes; Medusa's migrations own the tables (in
the connection's default schema: ``STORE_SCHEMA`` is never rendered)."""


def new_auth_identity_id() -> str:
    """An id in Medusa's own form for auth identities (``generateEntityId``)."""
    return f"authid_{ULID()}"


@dataclass(frozen=True, slots=True)
class MedusaIdentity:
    """An auth identity as Medusa's token issuer needs it (never with the hash)."""

    id: str
    entity_id: str
    provider_identity_id: str
    app_metadata: Mapping[str, Any] | None
    user_metadata: Mapping[str, Any] | None

    @property
    def is_admin(self) -> bool:
        """An admin user's identity (possibly a customer's too)."""
        return bool(self.app_metadata and self.app_metadata.get("user_id"))

    def as_medusa(self) -> dict[str, Any]:
        """The shape of Medusa's ``AuthIdentityDTO`` that ``generateJwtTokenForAuthIdentity``
        reads: ``id``, ``app_metadata`` and the provider identity's ``user_metadata``."""
        return {
            "id": self.id,
            "app_metadata": dict(self.app_metadata) if self.app_metadata is not None else None,
            "provider_identities": [
                {
                    "id": self.provider_identity_id,
                    "entity_id": self.entity_id,
                    "provider": PROVIDER,
                    "auth_identity_id": self.id,
                    "user_metadata": (
                        dict(self.user_metadata) if self.user_metadata is not None else None
                    ),
                }
            ],
        }


_HASH = provider_identity.c.provider_metadata["password"].astext


def _identities(include_admins: bool) -> Select[Any]:
    query = (
        select(
            provider_identity.c.id.label("pid"),
            provider_identity.c.entity_id,
            provider_identity.c.user_metadata,
            _HASH.label("legacy_hash"),
            auth_identity.c.id,
            auth_identity.c.app_metadata,
            MARK.c.blocked,
            MARK.c.fence_until,
        )
        .join(auth_identity, auth_identity.c.id == provider_identity.c.auth_identity_id)
        .outerjoin(MARK, MARK.c.customer_id == auth_identity.c.id)
        .where(
            provider_identity.c.provider == PROVIDER,
            provider_identity.c.deleted_at.is_(None),
            auth_identity.c.deleted_at.is_(None),
        )
    )
    if not include_admins:
        query = query.where(
            func.coalesce(auth_identity.c.app_metadata.has_key("user_id"), literal(False))
            == literal(False)
        )
    return query


def _record(row: Any, mark: Any) -> CredentialRecord:
    """The record of an identity ``row`` and its credential ``mark`` (``blocked``,
    ``fence_until``; None: no mark)."""
    legacy = row.legacy_hash is not None
    return CredentialRecord(
        customer_id=row.id,
        email=row.entity_id,
        state=CredentialState.LEGACY if legacy else CredentialState.COGNITO,
        legacy_format=LEGACY_FORMAT if legacy else None,
        legacy_hash=row.legacy_hash,
        # A refusal is about the hash it was made for: moot once the hash is gone.
        blocked=mark is not None and bool(mark.blocked) and legacy,
        write_fence=mark.fence_until if mark is not None else None,
    )


_MARK_OF = select(MARK.c.blocked, MARK.c.fence_until).where(
    MARK.c.customer_id == bindparam("customer_id")
)


def _identity(row: Any) -> MedusaIdentity:
    return MedusaIdentity(
        id=row.id,
        entity_id=row.entity_id,
        provider_identity_id=row.pid,
        app_metadata=row.app_metadata,
        user_metadata=row.user_metadata,
    )


class _LockedIdentity:
    """One customer's ``emailpass`` provider identity under ``SELECT ... FOR UPDATE``."""

    def __init__(self, connection: Connection, row: Any, mark: Any) -> None:
        self._connection = connection
        self._row = row
        self._record = _record(row, mark)

    @property
    def record(self) -> CredentialRecord:
        return self._record

    def mark_in_store(self) -> None:
        self._connection.execute(
            update(provider_identity)
            .where(provider_identity.c.id == self._row.pid)
            .values(
                provider_metadata=provider_identity.c.provider_metadata.op("-")("password"),
                updated_at=func.now(),
            )
        )
        self._record = mark_moved(self._connection, self._record)

    def mark_blocked(self) -> None:
        # The hash stays, so the customer keeps logging in through it.
        upsert_mark(self._connection, self._row.id, blocked=True)
        self._record = replace(self._record, blocked=True)

    def fence_writes(self, until: datetime | None) -> None:
        upsert_mark(self._connection, self._row.id, fence_until=until)
        self._record = replace(self._record, write_fence=until)

    def set_email(self, email: str) -> None:
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    update(provider_identity)
                    .where(provider_identity.c.id == self._row.pid)
                    .values(entity_id=email, updated_at=func.now())
                )
        except IntegrityError:
            raise AccountExists() from None
        self._record = replace(self._record, email=email)

    def mark_deleted(self) -> None:
        self._connection.execute(delete(auth_identity).where(auth_identity.c.id == self._row.id))
        self._connection.execute(delete(MARK).where(MARK.c.customer_id == self._row.id))


class MedusaV2Records:
    """``CredentialRecords`` over a Medusa v2 database (PostgreSQL), hashless' marks in
    its ``state_schema``."""

    def __init__(self, engine: Engine, *, state_schema: str, include_admins: bool = False) -> None:
        self._engine = state_engine(engine, state_schema)
        self._query = _identities(include_admins)
        self._any = _identities(include_admins=True)

    def find_identity(self, entity_id: str) -> tuple[CredentialRecord, MedusaIdentity] | None:
        """The identity Medusa would find for this email (an exact ``entity_id`` match,
        as Medusa's own ``emailpass`` looks it up), with what its token needs; an
        admin's too, whatever the scope (``MedusaIdentity.is_admin`` tells)."""
        with self._engine.connect() as connection:
            row = connection.execute(
                self._any.where(provider_identity.c.entity_id == entity_id)
            ).one_or_none()
        return (_record(row, row), _identity(row)) if row is not None else None

    def _one(self, condition: Any) -> CredentialRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(self._query.where(condition)).one_or_none()
        return _record(row, row) if row is not None else None

    def find_by_email(self, email: str) -> CredentialRecord | None:
        return self._one(provider_identity.c.entity_id == email)

    def get(self, customer_id: str) -> CredentialRecord | None:
        return self._one(auth_identity.c.id == customer_id)

    def exists(self, auth_identity_id: str) -> bool:
        """True while Medusa still has this auth identity, whoever it belongs to."""
        with self._engine.connect() as connection:
            found = connection.execute(
                select(auth_identity.c.id).where(auth_identity.c.id == auth_identity_id)
            ).first()
        return found is not None

    @contextmanager
    def locked(self, customer_id: str) -> Iterator[_LockedIdentity | None]:
        with self._engine.begin() as connection:
            row = connection.execute(
                self._query.where(auth_identity.c.id == customer_id).with_for_update(
                    of=provider_identity
                )
            ).one_or_none()
            if row is None:
                yield None
                return
            # Read afresh now that the lock is held: the locking statement's snapshot
            # predates the commit of the holder it waited for, so a mark that holder
            # wrote (a write fence) would be missing from it.
            mark = connection.execute(_MARK_OF, {"customer_id": row.id}).one_or_none()
            yield _LockedIdentity(connection, row, mark)

    def insert(self, customer_id: str, email: str) -> MedusaIdentity:
        """A new customer identity with no hash; ``AccountExists`` if the email is taken."""
        identity = MedusaIdentity(
            id=customer_id,
            entity_id=email,
            provider_identity_id=str(ULID()),
            app_metadata=None,
            user_metadata=None,
        )
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(auth_identity).values(id=customer_id))
                connection.execute(
                    insert(provider_identity).values(
                        id=identity.provider_identity_id,
                        entity_id=email,
                        provider=PROVIDER,
                        auth_identity_id=customer_id,
                    )
                )
        except IntegrityError:
            raise AccountExists() from None
        return identity
