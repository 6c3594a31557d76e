"""Argon2 PHC vectors from argon2-cffi's PasswordHasher (the reference libargon2 binding).

Run: python make_argon2_cffi.py   # writes argon2_cffi.json
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, low_level
from argon2.low_level import Type

HERE = Path(__file__).resolve().parent
PASSWORDS: list[dict[str, str]] = json.loads((HERE / "passwords.json").read_text("utf-8"))[
    "passwords"
]
vectors: list[dict[str, Any]] = []


def add(hasher: PasswordHasher, pw: dict[str, str], via: str) -> None:
    encoded = hasher.hash(pw["password"])
    assert hasher.verify(encoded, pw["password"])
    vectors.append(
        {
            "format": "argon2",
            "password_id": pw["id"],
            "password": pw["password"],
            "via": via,
            "encoded": encoded,
        }
    )


add(PasswordHasher(), PASSWORDS[0], "PasswordHasher() defaults (RFC 9106 low-memory profile)")
cheap = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
for pw in PASSWORDS:
    add(cheap, pw, "argon2id m=1024 t=2 p=1")
cheap_i = PasswordHasher(time_cost=3, memory_cost=1024, parallelism=2, type=Type.I)
for pw in PASSWORDS[:3]:
    add(cheap_i, pw, "argon2i m=1024 t=3 p=2")
# Below the ASVS floor (19 MiB, 2 passes): verifies, and must be reported weak.
add(
    PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1),
    PASSWORDS[0],
    "argon2id m=8192 t=1 p=1",
)

# Argon2 v1.0 ("v=16"), which the reference library still writes when asked to.
for pw in PASSWORDS[:2]:
    encoded = low_level.hash_secret(
        pw["password"].encode(),
        os.urandom(16),
        time_cost=2,
        memory_cost=1024,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
        version=0x10,
    ).decode("ascii")
    assert low_level.verify_secret(encoded.encode(), pw["password"].encode(), Type.ID)
    vectors.append(
        {
            "format": "argon2",
            "password_id": pw["id"],
            "password": pw["password"],
            "via": "low_level.hash_secret argon2id version 0x10",
            "encoded": encoded,
        }
    )

reference = f"argon2-cffi {version('argon2-cffi')} on Python {sys.version.split()[0]}"
doc = {
    "generator": "tests/legacy/vectors/make_argon2_cffi.py",
    "reference": reference,
    "vectors": vectors,
}
(HERE / "argon2_cffi.json").write_text(
    json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8"
)
print(f"argon2_cffi.json: {len(vectors)} vectors ({reference})")
