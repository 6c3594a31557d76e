"""The contract every legacy hash format implements."""

from __future__ import annotations

from typing import Protocol

__all__ = ["LegacyVerifier"]


class LegacyVerifier(Protocol):
    """Verifies passwords against one platform's stored hash format.

    Verification is pure: it never changes the stored value. ``verify`` raises
    ``hashless.errors.MalformedHash`` for a value it recognises as its format but cannot
    use (truncated, or parameters beyond the configured bounds); the registry turns
    that into a failed verification plus a warning log line.
    """

    name: str
    """Stable format name stored beside the hash, e.g. ``medusa-v1``."""

    def identify(self, encoded: str) -> bool:
        """True if ``encoded`` looks like this format (cheap, no hashing)."""

    def verify(self, password: str, encoded: str) -> bool:
        """True if ``password`` matches ``encoded``."""
