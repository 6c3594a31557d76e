"""Verifiers for the password hashes that other platforms stored."""

from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.defaults import builtin_verifiers, default_registry
from hashless.legacy.hardenable import Hardenable, InnerParts
from hashless.legacy.hardened import HARDENED_FORMAT, HardenedVerifier, WrapCost
from hashless.legacy.protocol import LegacyVerifier
from hashless.legacy.registry import VerifierRegistry
from hashless.legacy.strength import StrengthAware, hash_is_weak

__all__ = [
    "DEFAULT_CEILINGS",
    "HARDENED_FORMAT",
    "Ceilings",
    "Hardenable",
    "HardenedVerifier",
    "InnerParts",
    "LegacyVerifier",
    "StrengthAware",
    "VerifierRegistry",
    "WrapCost",
    "builtin_verifiers",
    "default_registry",
    "hash_is_weak",
]
