"""Test doubles shared by the suites."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable


class PlainSha256:
    """A stand-in legacy format for engine tests: ``sha256$<hex>``, with a hook on verify."""

    name = "test-sha256"

    def __init__(self) -> None:
        self.on_verify: Callable[[], None] | None = None

    @staticmethod
    def encode(password: str) -> str:
        return "sha256$" + hashlib.sha256(password.encode()).hexdigest()

    def identify(self, encoded: str) -> bool:
        return encoded.startswith("sha256$")

    def verify(self, password: str, encoded: str) -> bool:
        hook, self.on_verify = self.on_verify, None
        if hook is not None:
            hook()
        return hmac.compare_digest(self.encode(password), encoded)
