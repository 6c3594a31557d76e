"""Hardened values: weak reference hashes wrapped in Argon2id, verified through the registry."""

from __future__ import annotations

import base64
import hashlib
import logging

import pytest

from hashless.errors import ConfigurationError, MalformedHash
from hashless.legacy import (
    Ceilings,
    Hardenable,
    HardenedVerifier,
    InnerParts,
    VerifierRegistry,
    WrapCost,
    default_registry,
    hash_is_weak,
)
from hashless.legacy.scrypt_kdf import MedusaV1Verifier

from .helpers import CUSTOMER, Vector, assert_warned, one_char_changed, params

HARDENABLE = [
    "medusa-v1",
    "medusa-v2",
    "wordpress",
    "phpass",
    "magento2",
    "django-pbkdf2_sha256",
    "django-pbkdf2_sha1",
    "django-md5",
    "django-sha1",
    "django-unsalted_md5",
    "django-unsalted_sha1",
    "django",
]


@pytest.fixture(scope="module")
def registry() -> VerifierRegistry:
    return default_registry()


def _hardened(registry: VerifierRegistry) -> HardenedVerifier:
    verifier = registry.get("hardened")
    assert isinstance(verifier, HardenedVerifier)
    return verifier


def _parts(registry: VerifierRegistry, vector: Vector) -> InnerParts | None:
    verifier = registry.get(vector.format)
    assert verifier is not None
    return verifier.inner_parts(vector.encoded) if isinstance(verifier, Hardenable) else None


def _cheap(vector: Vector) -> bool:
    # The 128 MiB scrypt vector is for the strength floor; wrapping it proves nothing new.
    return vector.extra.get("params", {}).get("logN") != 17


HARDENABLE_VECTORS = [
    p for p in params() if p.values[0].format in HARDENABLE and _cheap(p.values[0])
]


def test_hardenable_formats_are_pinned(registry: VerifierRegistry) -> None:
    """The formats whose hashes ``hashless harden`` can wrap (README and report list them)."""
    assert _hardened(registry).inner_formats == HARDENABLE


@pytest.mark.parametrize("vector", HARDENABLE_VECTORS)
def test_inner_digest_is_recomputed_from_password_and_setting(
    vector: Vector, registry: VerifierRegistry
) -> None:
    """The platform's hash splits into setting and digest; only its password recomputes it."""
    verifier = registry.get(vector.format)
    assert isinstance(verifier, Hardenable)
    parts = verifier.inner_parts(vector.encoded)
    if parts is None:  # bcrypt and Argon2 shapes stored as ``wordpress``
        assert vector.format == "wordpress"
        return
    inner = registry.get(parts.format_name)
    assert isinstance(inner, Hardenable)
    assert parts.digest
    assert inner.inner_digest(vector.password, parts.setting) == parts.digest
    assert inner.inner_digest(one_char_changed(vector.password), parts.setting) != parts.digest


WEAK_VECTORS = [
    p
    for p in HARDENABLE_VECTORS
    if hash_is_weak(default_registry(), p.values[0].encoded, format_name=p.values[0].format)
    and _parts(default_registry(), p.values[0]) is not None
]


@pytest.mark.parametrize("vector", WEAK_VECTORS)
def test_wrapped_reference_hash_verifies_with_the_original_password_only(
    vector: Vector, registry: VerifierRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrapped weak hash verifies as ``hardened``; its inner algorithm alone no longer does."""
    hardened = _hardened(registry).wrap(vector.format, vector.encoded, WrapCost())
    assert hardened is not None
    parts = _parts(registry, vector)
    assert parts is not None
    assert registry.detect(hardened) is registry.get("hardened")
    assert hash_is_weak(registry, hardened, format_name="hardened") is False
    with caplog.at_level(logging.WARNING, logger="hashless.legacy"):
        assert registry.verify(vector.password, hardened, format_name="hardened")
    assert not caplog.records
    # The digest an attacker would test guesses against is gone from the stored value.
    assert parts.digest.hex() not in hardened
    assert base64.b64encode(parts.digest).decode().rstrip("=") not in hardened
    assert not registry.verify(vector.password, hardened, format_name=vector.format)


def test_wrong_password_fails_against_a_hardened_medusa_hash(registry: VerifierRegistry) -> None:
    """The outer Argon2id check rejects a password one character off."""
    vector = next(p.values[0] for p in WEAK_VECTORS if p.values[0].format == "medusa-v1")
    hardened = _hardened(registry).wrap("medusa-v1", vector.encoded, WrapCost())
    assert hardened is not None
    assert not registry.verify(one_char_changed(vector.password), hardened, format_name="hardened")
    assert not MedusaV1Verifier().identify(hardened)


def test_django_umbrella_values_name_the_precise_hasher(registry: VerifierRegistry) -> None:
    """A row stored as ``django`` is wrapped under the hasher that made it."""
    vector = next(p.values[0] for p in WEAK_VECTORS if p.values[0].format == "django-md5")
    hardened = _hardened(registry).wrap("django", vector.encoded, WrapCost())
    assert hardened is not None
    assert hardened.startswith("hashless-hardened$django-md5$")
    assert registry.verify(vector.password, hardened, format_name="hardened")


@pytest.mark.parametrize(
    "format_name",
    ["bcrypt", "argon2", "django-bcrypt", "django-argon2", "django-scrypt", "unknown-format"],
)
def test_formats_without_an_inner_digest_are_not_wrapped(
    format_name: str, registry: VerifierRegistry
) -> None:
    """Formats hashless cannot recompute from a setting are left alone (``wrap`` is None)."""
    vector = next(
        (p.values[0] for p in params() if p.values[0].format == format_name),
        Vector("", format_name, "x", "x", "x", ""),
    )
    assert _hardened(registry).wrap(format_name, vector.encoded, WrapCost()) is None


def test_wordpress_bcrypt_shapes_are_not_wrapped(registry: VerifierRegistry) -> None:
    """A ``wordpress`` row holding ``$wp$`` bcrypt has no recomputable digest: left alone."""
    vector = next(
        p.values[0]
        for p in params()
        if p.values[0].format == "wordpress" and p.values[0].encoded.startswith("$wp")
    )
    assert _hardened(registry).wrap("wordpress", vector.encoded, WrapCost()) is None


def test_malformed_inner_value_is_an_error_not_a_wrap(registry: VerifierRegistry) -> None:
    """A value its own format cannot parse raises MalformedHash instead of being wrapped."""
    with pytest.raises(MalformedHash):
        _hardened(registry).wrap("medusa-v1", "c2NyeXB0" + "A" * 120, WrapCost())


def test_wrap_cost_below_the_floor_is_refused() -> None:
    """The outer hash never goes below ASVS's Argon2id floor of 19 MiB and 2 passes."""
    with pytest.raises(ConfigurationError):
        WrapCost(memory_kib=19 * 1024 - 1)
    with pytest.raises(ConfigurationError):
        WrapCost(time_cost=1)
    with pytest.raises(ConfigurationError):
        WrapCost(parallelism=0)
    assert str(WrapCost()) == "m=19456,t=2,p=1"


def test_wrap_cost_above_the_ceilings_is_refused() -> None:
    """A wrap the verifier would refuse to check would lock every customer out: refused."""
    registry = default_registry(Ceilings(max_memory_bytes=16 * 1024 * 1024))
    vector = next(p.values[0] for p in WEAK_VECTORS if p.values[0].format == "medusa-v1")
    with pytest.raises(ConfigurationError):
        _hardened(registry).wrap("medusa-v1", vector.encoded, WrapCost())


def _medusa_v1_hardened(registry: VerifierRegistry) -> tuple[Vector, str]:
    vector = next(p.values[0] for p in WEAK_VECTORS if p.values[0].format == "medusa-v1")
    hardened = _hardened(registry).wrap("medusa-v1", vector.encoded, WrapCost())
    assert hardened is not None
    return vector, hardened


def _planted_scrypt_setting(log_n: int) -> str:
    prefix = b"scrypt\0" + bytes([log_n]) + (8).to_bytes(4, "big") + (1).to_bytes(4, "big")
    return base64.b64encode(prefix + b"s" * 32).decode()


def test_planted_inner_parameters_are_bounded_before_any_work(
    registry: VerifierRegistry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An inner setting asking for logN 30 fails with a warning; scrypt never runs."""
    vector, hardened = _medusa_v1_hardened(registry)
    outer = hardened[hardened.index("$argon2id$") :]
    planted = f"hashless-hardened$medusa-v2${_planted_scrypt_setting(30)}{outer}"
    assert registry.detect(planted) is registry.get("hardened")

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("scrypt ran on out-of-bounds parameters")

    monkeypatch.setattr(hashlib, "scrypt", refuse)
    with caplog.at_level(logging.WARNING, logger="hashless.legacy"):
        assert not registry.verify(
            vector.password, planted, format_name="hardened", customer_id=CUSTOMER
        )
    assert_warned(caplog, "hardened", vector.password, planted)


def test_planted_outer_parameters_are_bounded_before_the_inner_work(
    registry: VerifierRegistry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outer Argon2id asking for 4 GiB fails before the inner digest is computed."""
    vector, hardened = _medusa_v1_hardened(registry)
    planted = hardened.replace("m=19456", "m=4194304")

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the inner digest ran before the outer bounds were checked")

    monkeypatch.setattr(hashlib, "scrypt", refuse)
    with caplog.at_level(logging.WARNING, logger="hashless.legacy"):
        assert not registry.verify(
            vector.password, planted, format_name="hardened", customer_id=CUSTOMER
        )
    assert_warned(caplog, "hardened", vector.password, planted)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: v.replace("hashless-hardened$medusa-v1$", "hashless-hardened$bcrypt$"),
        lambda v: v.replace("hashless-hardened$medusa-v1$", "hashless-hardened$django$"),
        lambda v: v.replace("hashless-hardened$medusa-v1$", "hashless-hardened$nope$"),
        lambda v: v.replace("hashless-hardened$medusa-v1$", "hashless-hardened$medusa-v1$AAAA"),
        lambda v: v.replace("$argon2id$", "$argon2i$"),
        lambda v: v[:-10],
    ],
    ids=["not-hardenable", "umbrella", "unknown", "bad-setting", "argon2i", "truncated"],
)
def test_broken_hardened_values_fail_with_a_warning(
    mangle: object, registry: VerifierRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """Tampered or truncated hardened values are a failed login and a warning, never a 500."""
    assert callable(mangle)
    vector, hardened = _medusa_v1_hardened(registry)
    broken = mangle(hardened)
    with caplog.at_level(logging.WARNING, logger="hashless.legacy"):
        assert not registry.verify(
            vector.password, broken, format_name="hardened", customer_id=CUSTOMER
        )
    assert_warned(caplog, "hardened", vector.password, broken)


def test_inner_parts_never_show_the_digest() -> None:
    """The repr of a split hash hides the digest (it is what an attacker would crack)."""
    parts = InnerParts("medusa-v1", "setting", b"\x01secret-digest")
    assert "secret" not in repr(parts)
    assert "setting" not in repr(parts).replace("setting=...", "")
