"""One source row checked and made ready for the customer table, or the reason it is not.

Cheap by design (a million rows must pass at tens of thousands a second): the hash's
format is found by ``identify`` and its strength by parsing, and it is never verified.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from hashless.emails import email_key
from hashless.errors import ConfigurationError, MalformedHash
from hashless.importing.sources import SourceRow
from hashless.legacy import LegacyVerifier, StrengthAware, VerifierRegistry

__all__ = ["AUTO", "Kind", "Outcome", "PreparedRow", "RowPreparer", "fixed_format"]

AUTO = "auto"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
# Something @ something, with no whitespace or control character anywhere.
_EMAIL = re.compile(r"[^\s\x00-\x1f\x7f@][^\s\x00-\x1f\x7f]*@[^\s\x00-\x1f\x7f@]+")
_LIMITS = {"email": 320, "first_name": 255, "last_name": 255, "phone": 64}
_TRUE = frozenset({"true", "t", "1", "yes", "y"})
_FALSE = frozenset({"false", "f", "0", "no", "n"})


class Kind(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    SKIPPED = "skipped"
    """Not written, and nothing wrong: unchanged, a guest, already in Cognito..."""
    REJECTED = "rejected"
    """Not written because something is wrong with the row: the exit status says so."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one row. ``reason`` never holds a hash, password or email."""

    kind: Kind
    line: int
    customer_id: str | None = None
    reason: str | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedRow:
    """A valid account customer, ready to be written."""

    line: int
    id: str | None
    """The source's id, kept (Medusa's ``cus_...``); None to match by email or make one."""
    email: str
    email_key: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    metadata: dict[str, Any] | None
    created_at: datetime | None
    legacy_format: str | None
    """None: an account without a password (it can set one by reset)."""
    legacy_hash: str | None
    legacy_weak: bool | None

    def __repr__(self) -> str:
        return f"PreparedRow(line={self.line}, id={self.id!r}, format={self.legacy_format!r})"


class _Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _text(value: object, name: str) -> str | None:
    """A stripped string, None if empty; numbers (JSON ids) become their decimal text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Rejected(f"{name} is not text")
    stripped = str(value).strip()
    limit = _LIMITS.get(name)
    if limit is not None and len(stripped) > limit:
        raise _Rejected(f"{name} longer than {limit} characters")
    return stripped or None


def _flag(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if not word:
        return None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _Rejected("has_account is not true or false")


def _metadata(value: object) -> dict[str, Any] | None:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError:
            raise _Rejected("metadata is not JSON") from None
    if value is None or isinstance(value, dict):
        return value
    raise _Rejected("metadata is not a JSON object")


def _timestamp(value: object, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        stamp = _text(value, name)
        if stamp is None:
            return None
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise _Rejected(f"{name} is not an ISO 8601 date") from None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _email(value: object) -> str:
    email = _text(value, "email")
    if email is None:
        raise _Rejected("no email")
    if _EMAIL.fullmatch(email) is None:
        raise _Rejected("not an email address")
    # Medusa stores emails lower-cased, and so does hashless' registration.
    return email.lower()


def fixed_format(registry: VerifierRegistry, format_name: str) -> LegacyVerifier | None:
    """The verifier ``format_name`` names, None for ``auto``; ConfigurationError if unknown."""
    if format_name == AUTO:
        return None
    verifier = registry.get(format_name)
    if verifier is None:
        raise ConfigurationError(
            f"unknown hash format {format_name!r}: use auto or one of " + ", ".join(registry.names)
        )
    return verifier


class RowPreparer:
    """Checks rows against one format name, or detects each row's format (``auto``)."""

    def __init__(self, registry: VerifierRegistry, format_name: str = AUTO) -> None:
        self._registry = registry
        self._fixed = fixed_format(registry, format_name)
        # isinstance() against a runtime-checkable protocol is slow: once per verifier.
        self._judges: dict[str, StrengthAware | None] = {
            name: v if isinstance(v := registry.get(name), StrengthAware) else None
            for name in registry.names
        }

    def prepare(self, row: SourceRow) -> PreparedRow | Outcome:
        """The row ready to write, or why it is skipped or rejected."""
        fields = row.fields
        given_id = None
        try:
            if row.problem is not None:
                raise _Rejected(row.problem)
            raw_id = _text(fields.get("id"), "id")
            if raw_id is not None and _ID.fullmatch(raw_id) is None:
                raise _Rejected("id is not 1 to 40 letters, digits, '_', '-' or '.'")
            given_id = raw_id  # only a valid id is ever echoed in the summary
            if _timestamp(fields.get("deleted_at"), "deleted_at") is not None:
                return Outcome(Kind.SKIPPED, row.line, given_id, "deleted in the source")
            if _flag(fields.get("has_account")) is False:
                return Outcome(Kind.SKIPPED, row.line, given_id, "guest (no account)")
            email = _email(fields.get("email"))
            legacy_format, legacy_hash, weak = self._hash(fields.get("password_hash"))
            return PreparedRow(
                line=row.line,
                id=given_id,
                email=email,
                email_key=email_key(email),
                first_name=_text(fields.get("first_name"), "first_name"),
                last_name=_text(fields.get("last_name"), "last_name"),
                phone=_text(fields.get("phone"), "phone"),
                metadata=_metadata(fields.get("metadata")),
                created_at=_timestamp(fields.get("created_at"), "created_at"),
                legacy_format=legacy_format,
                legacy_hash=legacy_hash,
                legacy_weak=weak,
            )
        except _Rejected as exc:
            return Outcome(Kind.REJECTED, row.line, given_id, exc.reason)

    def _hash(self, value: object) -> tuple[str | None, str | None, bool | None]:
        if value is not None and not isinstance(value, str):
            raise _Rejected("password_hash is not text")
        # Exports pad fixed-width columns; no format has leading or trailing whitespace.
        encoded = (value or "").strip()
        if not encoded:
            return None, None, None
        verifier = self._fixed or self._registry.detect(encoded)
        if verifier is None:
            raise _Rejected("hash matches no known format")
        judge = self._judges.get(verifier.name)
        if judge is None:
            if not verifier.identify(encoded):
                raise _Rejected(f"hash is not {verifier.name}")
            return verifier.name, encoded, None
        try:
            # Parsing judges the strength and proves the value is usable, without hashing.
            weak = judge.is_weak(encoded)
        except MalformedHash:
            raise _Rejected(f"malformed {verifier.name} hash") from None
        return verifier.name, encoded, weak
