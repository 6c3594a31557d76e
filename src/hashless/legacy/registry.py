"""Legacy verifiers keyed by format name, and the one place their failures are judged."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable

from hashless.errors import MalformedHash
from hashless.legacy.protocol import LegacyVerifier

__all__ = ["VerifierRegistry"]

log = logging.getLogger("hashless.legacy")


class VerifierRegistry:
    """Finds the verifier for a stored hash and turns its failures into a plain ``False``.

    At most ``concurrency`` verifications run at once (default: the CPU count); the
    rest wait their turn. A legacy hash may cost 32 MiB and a core for a few hundred
    milliseconds (Medusa v2's scrypt), so a burst of first logins, or of guesses,
    would otherwise take the process's memory and every core with it.
    """

    def __init__(
        self, verifiers: Iterable[LegacyVerifier], *, concurrency: int | None = None
    ) -> None:
        bound = concurrency if concurrency is not None else os.cpu_count() or 1
        if bound < 1:
            raise ValueError("legacy verification concurrency must be at least 1")
        self.concurrency = bound
        self._slots = threading.BoundedSemaphore(bound)
        self._by_name: dict[str, LegacyVerifier] = {}
        for verifier in verifiers:
            if verifier.name in self._by_name:
                raise ValueError(f"two legacy verifiers are named {verifier.name!r}")
            self._by_name[verifier.name] = verifier

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> LegacyVerifier | None:
        return self._by_name.get(name)

    def detect(self, encoded: str) -> LegacyVerifier | None:
        """The first verifier, in registration order, that recognises ``encoded``."""
        return next((v for v in self._by_name.values() if v.identify(encoded)), None)

    def verify(
        self,
        password: str,
        encoded: str,
        *,
        format_name: str | None = None,
        customer_id: str = "?",
    ) -> bool:
        """True only if ``password`` matches; unknown or malformed values are a warning."""
        verifier = self.get(format_name) if format_name else self.detect(encoded)
        if verifier is None:
            log.warning(
                "legacy hash of unknown format customer_id=%s format=%s",
                customer_id,
                format_name or "undetected",
            )
            return False
        try:
            with self._slots:
                return verifier.verify(password, encoded)
        except MalformedHash as exc:
            log.warning(
                "malformed legacy hash customer_id=%s format=%s: %s",
                customer_id,
                verifier.name,
                exc,
            )
            return False
