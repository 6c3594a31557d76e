"""Argon2 PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``), bounded before use.

The memory, passes and lanes come from the stored string, so they are checked against
the ceilings before libargon2 sees them; libargon2 then does the constant-time compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hashless.errors import MalformedHash
from hashless.legacy._optional import Argon2Type, argon2_verify
from hashless.legacy.ceilings import Ceilings
from hashless.legacy.strength import argon2_below_floor

__all__ = [
    "Argon2Params",
    "argon2_bounded",
    "argon2_is_weak",
    "argon2_matches",
    "looks_like_argon2",
    "parse_argon2",
]

# Salt at least 8 bytes (libargon2's minimum), hash 4..512 bytes; unpadded standard base64.
_PHC = re.compile(
    r"\$(argon2id|argon2i)\$v=(16|19)\$m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,3})"
    r"\$([A-Za-z0-9+/]{11,128})\$([A-Za-z0-9+/]{6,683})"
)


@dataclass(frozen=True, slots=True)
class Argon2Params:
    variant: Argon2Type
    memory_kib: int
    time_cost: int
    parallelism: int


def looks_like_argon2(encoded: str) -> bool:
    return _PHC.fullmatch(encoded) is not None


def parse_argon2(encoded: str, *, format_name: str) -> Argon2Params:
    match = _PHC.fullmatch(encoded)
    if match is None:
        raise MalformedHash(format_name, "not an $argon2id$/$argon2i$ PHC string")
    variant: Argon2Type = "argon2id" if match.group(1) == "argon2id" else "argon2i"
    params = Argon2Params(variant, int(match.group(3)), int(match.group(4)), int(match.group(5)))
    if params.parallelism < 1 or params.time_cost < 1:
        raise MalformedHash(format_name, "argon2 passes and lanes must be at least 1")
    if params.memory_kib < 8 * params.parallelism:
        raise MalformedHash(format_name, "argon2 memory below 8 KiB per lane")
    return params


def argon2_bounded(encoded: str, *, format_name: str, ceilings: Ceilings) -> Argon2Params:
    """The parameters of ``encoded``; ``MalformedHash`` if any exceeds the ceilings."""
    params = parse_argon2(encoded, format_name=format_name)
    if params.memory_kib * 1024 > ceilings.max_memory_bytes:
        raise MalformedHash(
            format_name,
            f"argon2 memory {params.memory_kib} KiB above the ceiling "
            f"{ceilings.max_memory_bytes // 1024} KiB",
        )
    if params.time_cost > ceilings.argon2_max_time_cost:
        raise MalformedHash(
            format_name,
            f"argon2 passes {params.time_cost} above the ceiling {ceilings.argon2_max_time_cost}",
        )
    if params.parallelism > ceilings.argon2_max_parallelism:
        raise MalformedHash(
            format_name,
            f"argon2 lanes {params.parallelism} above the ceiling "
            f"{ceilings.argon2_max_parallelism}",
        )
    return params


def argon2_matches(secret: bytes, encoded: str, *, format_name: str, ceilings: Ceilings) -> bool:
    params = argon2_bounded(encoded, format_name=format_name, ceilings=ceilings)
    try:
        return argon2_verify(encoded, secret, params.variant, format_name=format_name)
    except ValueError as exc:
        raise MalformedHash(format_name, "libargon2 could not decode the value") from exc


def argon2_is_weak(encoded: str, *, format_name: str) -> bool:
    params = parse_argon2(encoded, format_name=format_name)
    return argon2_below_floor(params.memory_kib, params.time_cost)
