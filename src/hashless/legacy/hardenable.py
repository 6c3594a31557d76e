"""What a format must offer for its stored hashes to be hardened at rest.

A stored hash splits into a *setting* (format, parameters, salt: everything but the
password's contribution) and a *digest* (the part only the password determines).
Hardening keeps the setting, replaces the digest by Argon2id over it, and so needs the
format to recompute the digest from a typed password and the setting alone
(``hashless.legacy.hardened``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["Hardenable", "InnerParts"]


@dataclass(frozen=True, slots=True)
class InnerParts:
    """A stored hash taken apart: ``format_name`` names the format that recomputes it."""

    format_name: str
    setting: str
    digest: bytes

    def __repr__(self) -> str:
        # The digest is the secret part of the stored hash: never in a repr or log line.
        return f"InnerParts(format_name={self.format_name!r}, setting=..., digest=...)"


@runtime_checkable
class Hardenable(Protocol):
    """A verifier whose stored hashes can be wrapped without their owner's password."""

    name: str

    def inner_parts(self, encoded: str) -> InnerParts | None:
        """``encoded`` taken apart; None if this shape of the format cannot be wrapped.

        Raises ``MalformedHash`` for a value this format cannot parse.
        """

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        """The digest ``password`` gives under ``setting``; None if no password could match.

        Equals ``inner_parts(encoded).digest`` exactly when ``password`` verifies against
        ``encoded``. Raises ``MalformedHash`` for a setting it cannot use or whose
        parameters exceed the ceilings, before doing any expensive work.
        """
