"""The registry of every built-in legacy hash format."""

from __future__ import annotations

from hashless.legacy.argon2_phc import Argon2Verifier
from hashless.legacy.bcrypt_format import BcryptVerifier
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.django_any import DjangoVerifier, django_verifiers
from hashless.legacy.hardened import HardenedVerifier
from hashless.legacy.magento2 import Magento2Verifier
from hashless.legacy.phpass import PhpassVerifier
from hashless.legacy.protocol import LegacyVerifier
from hashless.legacy.registry import VerifierRegistry
from hashless.legacy.scrypt_kdf import MedusaV1Verifier, MedusaV2Verifier
from hashless.legacy.wordpress import WordPressVerifier

__all__ = ["builtin_verifiers", "default_registry"]


def builtin_verifiers(ceilings: Ceilings = DEFAULT_CEILINGS) -> list[LegacyVerifier]:
    """Every built-in verifier, in detection order.

    The shapes do not overlap, except that the ``django`` umbrella claims what the
    ``django-*`` formats claim: it comes last, so detection names the precise hasher.
    """
    verifiers: list[LegacyVerifier] = [
        MedusaV1Verifier(ceilings),
        MedusaV2Verifier(ceilings),
        WordPressVerifier(ceilings),
        BcryptVerifier(ceilings),
        Argon2Verifier(ceilings),
        PhpassVerifier(ceilings),
        Magento2Verifier(ceilings),
    ]
    verifiers.extend(django_verifiers(ceilings))
    verifiers.append(DjangoVerifier(ceilings))
    # Values that ``hashless harden`` wrapped: verified through the formats above.
    verifiers.append(HardenedVerifier(verifiers, ceilings))
    return verifiers


def default_registry(
    ceilings: Ceilings | None = None, *, concurrency: int | None = None
) -> VerifierRegistry:
    """A registry of every built-in format, bounded by ``ceilings`` (defaults if None),
    running at most ``concurrency`` verifications at once (default: the CPU count).

    Needs no optional dependency to build. Medusa, phpass, Magento SHA-256/MD5 and the
    Django PBKDF2, scrypt and digest formats use the standard library only; the bcrypt
    and Argon2 based formats raise ``ConfigurationError`` on first use when the
    ``hashes`` extra is not installed.
    """
    return VerifierRegistry(
        builtin_verifiers(ceilings or DEFAULT_CEILINGS), concurrency=concurrency
    )
