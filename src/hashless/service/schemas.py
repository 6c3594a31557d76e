"""Request and response bodies of the Medusa v1 store API, and hashless' additions."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from hashless.migration import CredentialRecord
from hashless.passwords import MAX_PASSWORD_LENGTH
from hashless.storage import CustomerRow
from hashless.storage.sessions import SessionInfo

_EMAIL = re.compile(r"[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+")


# Validation errors reach end users: each check says in words what is wrong (a
# pattern constraint would show its regular expression instead).
def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise PydanticCustomError("email", "must be an email address, like name@example.com")
    # Medusa lower-cases emails when it stores them; look-ups fold case and Unicode form anyway.
    return value.lower()


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refused here rather than failing in the database.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    return value


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(_email)
]
# Refused above Cognito's ceiling before any hashing; the length floor applies to new
# passwords only (legacy passwords may be shorter and must still log in).
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
Name = Annotated[str, StringConstraints(max_length=255), AfterValidator(_storable)]
Phone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_storable)]


class Strict(BaseModel):
    """Medusa's validators reject unknown fields with 400 invalid_data."""

    model_config = ConfigDict(extra="forbid")


class CredentialsIn(Strict):
    email: Email
    password: Password


class CustomerCreate(Strict):
    email: Email
    password: Password
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None


class CustomerUpdate(Strict):
    first_name: Name | None = None
    last_name: Name | None = None
    billing_address: dict[str, Any] | None = None
    password: Password | None = None
    current_password: Password | None = Field(
        default=None,
        description="hashless: proof for a password or email change; not needed within "
        "a few minutes of a password login on this session.",
    )
    phone: Phone | None = None
    email: Email | None = None
    metadata: dict[str, Any] | None = None


class PasswordTokenRequest(Strict):
    email: Email


class PasswordResetRequest(Strict):
    email: Email
    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    password: Password


class AdminCustomerUpdate(Strict):
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    metadata: dict[str, Any] | None = None


class CustomerOut(BaseModel):
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    has_account: bool
    billing_address_id: str | None = None
    billing_address: dict[str, Any] | None
    shipping_addresses: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @classmethod
    def of(cls, row: CustomerRow) -> CustomerOut:
        return cls(
            id=row.id,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            phone=row.phone,
            has_account=row.has_account,
            billing_address_id=(row.billing_address or {}).get("id"),
            billing_address=row.billing_address,
            shipping_addresses=row.shipping_addresses,
            metadata=row.metadata_,
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )


class AdminCustomerOut(CustomerOut):
    credential_state: str
    credential_blocked: bool
    migrated_at: datetime | None

    @classmethod
    def of_account(cls, row: CustomerRow, record: CredentialRecord) -> AdminCustomerOut:
        return cls(
            **CustomerOut.of(row).model_dump(),
            credential_state=record.state.value,
            credential_blocked=record.blocked,
            migrated_at=row.migrated_at,
        )


class CustomerResponse(BaseModel):
    customer: CustomerOut


class AdminCustomerResponse(BaseModel):
    customer: AdminCustomerOut


class AdminCustomerList(BaseModel):
    customers: list[AdminCustomerOut]
    count: int
    offset: int
    limit: int


class TokenResponse(BaseModel):
    access_token: str


class ExistsResponse(BaseModel):
    exists: bool


class SessionOut(BaseModel):
    id: str
    kind: str
    created_at: datetime
    authenticated_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool

    @classmethod
    def of(cls, info: SessionInfo, current_id: str) -> SessionOut:
        fields = {name: value for name, value in asdict(info).items() if name in cls.model_fields}
        return cls(**fields, current=info.id == current_id)


class SessionList(BaseModel):
    sessions: list[SessionOut]


class Revoked(BaseModel):
    revoked: int


class Deleted(BaseModel):
    id: str
    object: str = "customer"
    deleted: bool = True


class CredentialStatsOut(BaseModel):
    total: int
    legacy: int
    cognito: int
    none: int
    blocked: int
    weak: int
    """Legacy hashes below the strength floor."""


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    event: str
    outcome: str
    customer_id: str | None
    actor: str
    ip: str | None
    request_id: str | None
    detail: dict[str, Any] | None


class AuditEventList(BaseModel):
    events: list[AuditEventOut]
    count: int
    offset: int
    limit: int


class ErrorOut(BaseModel):
    type: str
    message: str
    code: str | None = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries documenting Medusa-shaped errors for ``statuses``."""
    return {status: {"model": ErrorOut} for status in statuses}
