"""Medusa-shaped test data: scrypt-kdf hashes as Medusa v1 writes them, and its exports.

``medusa_v1_hash`` builds the value the way npm ``scrypt-kdf`` does (the layout that the
reference vectors in tests/legacy/vectors pin); test_import.py checks that every value
it makes verifies with the ``medusa-v1`` verifier, so it cannot drift from them.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["CSV_HEADER", "customer_rows", "medusa_v1_hash", "write_csv"]

CSV_HEADER = ("id", "email", "password_hash", "first_name", "last_name", "phone", "metadata")


def medusa_v1_hash(password: str) -> str:
    """``base64(scrypt-kdf)`` with logN 1, r 1, p 1 and a random salt."""
    header = b"scrypt\0" + bytes([1]) + (1).to_bytes(4, "big") + (1).to_bytes(4, "big")
    prefix = header + os.urandom(32)
    head = prefix + hashlib.sha256(prefix).digest()[:16]
    key = hashlib.scrypt(password.encode(), salt=prefix[16:48], n=2, r=1, p=1, dklen=64)
    return base64.b64encode(head + hmac.new(key[32:], head, hashlib.sha256).digest()).decode()


def customer_rows(count: int, *, start: int = 0) -> list[dict[str, str]]:
    """Medusa v1 customers ``cus_...<n>`` / ``customer<n>@example.com`` / ``password-<n>``."""
    return [
        {
            "id": f"cus_{n:026d}",
            "email": f"customer{n}@example.com",
            "password_hash": medusa_v1_hash(f"password-{n}"),
            "first_name": f"First{n}",
            "last_name": f"Last{n}",
            "phone": f"+31 6 {n:08d}",
            "metadata": "",
        }
        for n in range(start, start + count)
    ]


def write_csv(
    path: Path, rows: Iterable[Mapping[str, str]], header: Iterable[str] = CSV_HEADER
) -> Path:
    columns = list(header)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
