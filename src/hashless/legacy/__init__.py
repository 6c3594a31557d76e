"""Verifiers for the password hashes that other platforms stored."""

from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.defaults import builtin_verifiers, default_registry
from hashless.legacy.protocol import LegacyVerifier
from hashless.legacy.registry import VerifierRegistry
from hashless.legacy.strength import StrengthAware, hash_is_weak

__all__ = [
    "DEFAULT_CEILINGS",
    "Ceilings",
    "LegacyVerifier",
    "StrengthAware",
    "VerifierRegistry",
    "builtin_verifiers",
    "default_registry",
    "hash_is_weak",
]
