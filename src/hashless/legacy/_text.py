"""Strict parsing helpers shared by the legacy verifiers.

Stored values come from another platform's database and may be truncated, mistyped or
planted, so every helper answers ``None`` instead of raising, and accepts only the
exact ASCII spelling the platform writes (Python's ``int()`` would also take " 12",
"+12", "1_2" and non-ASCII digits).
"""

from __future__ import annotations

import re

__all__ = ["decimal", "php_trim", "utf8"]

_DIGITS = re.compile(r"[0-9]{1,12}")
_PHP_TRIM = " \t\n\r\0\x0b"


def utf8(text: str) -> bytes | None:
    """``text`` as UTF-8, or None if it holds lone surrogates no platform could have hashed."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def decimal(text: str) -> int | None:
    """A non-negative ASCII decimal of at most 12 digits, else None."""
    return int(text) if _DIGITS.fullmatch(text) else None


def php_trim(text: str) -> str:
    """PHP's ``trim()`` with its default character list."""
    return text.strip(_PHP_TRIM)
