"""Medusa v1's own rules for profile fields, so storefronts see what Medusa would show."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from ulid import ULID

__all__ = ["MAX_METADATA_BYTES", "MAX_METADATA_KEYS", "merge_metadata", "update_billing_address"]

MAX_METADATA_KEYS = 50
MAX_METADATA_BYTES = 16 * 1024
"""A customer's whole metadata, as compact UTF-8 JSON. It travels in every login and
profile answer, so it is bounded as a whole: each request is small (64 KiB), but
merges add up without end."""


def merge_metadata(
    existing: dict[str, Any] | None, update: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Medusa's ``setMetadata``: keys merge into what is there; an empty string removes one.

    A missing or null update leaves the metadata alone, as Medusa ignores it.
    Raises a 400 when the merged result would exceed ``MAX_METADATA_KEYS`` keys or
    ``MAX_METADATA_BYTES`` bytes.
    """
    if not update:
        return existing
    merged = {**(existing or {}), **update}
    result = {key: value for key, value in merged.items() if value != ""}
    removal = 'remove keys by sending them with the value "" first'
    if len(result) > MAX_METADATA_KEYS:
        raise HTTPException(
            400,
            f"metadata would have {len(result)} keys after this update; a customer's "
            f"metadata holds at most {MAX_METADATA_KEYS} ({removal})",
        )
    size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise HTTPException(
            400,
            f"metadata would take {size:,} bytes as JSON after this update; a customer's "
            f"metadata holds at most {MAX_METADATA_BYTES:,} bytes in all ({removal}, or keep "
            "large data elsewhere and store only a reference here)",
        )
    return result


def update_billing_address(
    existing: dict[str, Any] | None, update: dict[str, Any]
) -> dict[str, Any]:
    """The customer's billing address with ``update`` applied, Medusa-style.

    Medusa stores an ``addr_`` row and lower-cases the country code; the address keeps
    its id across updates so ``billing_address_id`` stays stable.
    """
    address = {**(existing or {}), **update}
    address["id"] = (existing or {}).get("id") or f"addr_{ULID()}"
    if isinstance(address.get("country_code"), str):
        address["country_code"] = address["country_code"].lower()
    return address
