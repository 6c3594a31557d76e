"""Any ``auth_user.password`` value, dispatched on its algorithm like Django's ``identify_hasher``.

For a host that imports Django's password column without sorting it by hasher. A value
starting with ``!`` is Django's deliberately unusable password (``set_unusable_password``):
it matches nothing and is not malformed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hashless.errors import MalformedHash
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.django_argon2 import DjangoArgon2Verifier
from hashless.legacy.django_bcrypt import DjangoBcryptSha256Verifier, DjangoBcryptVerifier
from hashless.legacy.django_digest import DjangoSaltedDigestVerifier, DjangoUnsaltedDigestVerifier
from hashless.legacy.django_pbkdf2 import DjangoPbkdf2Verifier
from hashless.legacy.django_scrypt import DjangoScryptVerifier
from hashless.legacy.hardenable import Hardenable, InnerParts

__all__ = ["DjangoVerifier", "django_verifiers"]

_UNUSABLE_PREFIX = "!"


class _Member(Protocol):
    name: str

    def identify(self, encoded: str) -> bool: ...

    def verify(self, password: str, encoded: str) -> bool: ...

    def is_weak(self, encoded: str) -> bool: ...


def django_verifiers(ceilings: Ceilings = DEFAULT_CEILINGS) -> list[_Member]:
    """One verifier per hasher Django has shipped, most common first."""
    return [
        DjangoPbkdf2Verifier("pbkdf2_sha256", ceilings),
        DjangoPbkdf2Verifier("pbkdf2_sha1", ceilings),
        DjangoArgon2Verifier(ceilings),
        DjangoBcryptSha256Verifier(ceilings),
        DjangoBcryptVerifier(ceilings),
        DjangoScryptVerifier(ceilings),
        DjangoSaltedDigestVerifier("md5"),
        DjangoSaltedDigestVerifier("sha1"),
        DjangoUnsaltedDigestVerifier("md5"),
        DjangoUnsaltedDigestVerifier("sha1"),
    ]


class DjangoVerifier:
    """Every Django hasher under one format name, ``django``."""

    name: str = "django"

    def __init__(
        self, ceilings: Ceilings = DEFAULT_CEILINGS, members: Sequence[_Member] | None = None
    ) -> None:
        self._members = list(members) if members is not None else django_verifiers(ceilings)

    def _member(self, encoded: str) -> _Member:
        member = next((m for m in self._members if m.identify(encoded)), None)
        if member is None:
            raise MalformedHash(self.name, "no Django hasher recognises the value")
        return member

    def identify(self, encoded: str) -> bool:
        return any(m.identify(encoded) for m in self._members)

    def verify(self, password: str, encoded: str) -> bool:
        if encoded.startswith(_UNUSABLE_PREFIX):
            return False
        return self._member(encoded).verify(password, encoded)

    def is_weak(self, encoded: str) -> bool:
        return self._member(encoded).is_weak(encoded)

    def inner_parts(self, encoded: str) -> InnerParts | None:
        """The precise hasher's parts, so a hardened value names it and never ``django``."""
        if encoded.startswith(_UNUSABLE_PREFIX):
            return None
        member = self._member(encoded)
        return member.inner_parts(encoded) if isinstance(member, Hardenable) else None

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        raise MalformedHash(self.name, "a hardened value names the precise Django hasher")
