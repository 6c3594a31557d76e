"""Medusa v1's own rules for profile fields, so storefronts see what Medusa would show."""

from __future__ import annotations

from typing import Any

from ulid import ULID

__all__ = ["merge_metadata", "update_billing_address"]


def merge_metadata(
    existing: dict[str, Any] | None, update: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Medusa's ``setMetadata``: keys merge into what is there; an empty string removes one.

    A missing or null update leaves the metadata alone, as Medusa ignores it.
    """
    if not update:
        return existing
    merged = {**(existing or {}), **update}
    return {key: value for key, value in merged.items() if value != ""}


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
