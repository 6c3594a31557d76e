"""Magento 2 hash:salt:version values: version chains, salt padding, bounds, strength."""

from __future__ import annotations

import logging
import sys

import pytest
from argon2 import low_level

from hashless.errors import ConfigurationError, MalformedHash
from hashless.legacy import Ceilings, default_registry
from hashless.legacy.ceilings import MIB
from hashless.legacy.magento2 import Magento2Verifier

from .helpers import CUSTOMER, Vector, assert_warned, load

VECTORS = load("magento2_php.json")
PASSWORD = "Hunter2-sëcret"
HEX64 = "ab" * 32


def by(via_prefix: str) -> Vector:
    return next(v for v in VECTORS if v.via.startswith(via_prefix))


def test_upgraded_chains_verify_the_original_password() -> None:
    """customer:hash:upgrade chains (0:1, 1:2, 0:3_...) verify the password the customer typed."""
    verifier = Magento2Verifier()
    for via in ("version 0 upgraded to 1", "version 1 upgraded to 2", "Magento 1 MD5"):
        vector = by(via)
        assert ":" in vector.encoded.split(":", 2)[2]
        assert verifier.verify(vector.password, vector.encoded)


def test_two_character_salt_is_repeated_to_16_bytes_for_argon2() -> None:
    """A Magento 1 salt of two characters is padded as PHP's str_pad does, and verifies."""
    vector = by("Magento 1 MD5")
    assert len(vector.encoded.split(":")[1]) == 2
    assert Magento2Verifier().verify(vector.password, vector.encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(f"{HEX64}:salt", id="magento1-two-parts"),
        pytest.param(f"{HEX64}:salt:9", id="unknown-version"),
        pytest.param(f"{HEX64}:salt:x", id="version-x"),
        pytest.param(f"{HEX64}:salt:01", id="version-01"),
        pytest.param(f"{HEX64}:salt: 1", id="version-space"),
        pytest.param(f"{HEX64}:salt:1:1:1:1:1", id="five-steps"),
        pytest.param(f"{HEX64}:salt:3_32_2_17179869184", id="16-GiB"),
        pytest.param(f"{HEX64}:salt:3_32_100_67108864", id="100-passes"),
        pytest.param(f"{HEX64}:salt:3_32_0_67108864", id="0-passes"),
        pytest.param(f"{HEX64}:salt:3_8_2_67108864", id="8-byte-output"),
        pytest.param(f"{HEX64}:salt:3_32_2_4096", id="4-KiB"),
        pytest.param(f"{HEX64}::2", id="argon2-empty-salt"),
        pytest.param(f"{HEX64.upper()}:salt:1", id="uppercase-hex"),
        pytest.param("not-hex:salt:1", id="not-hex"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_values_fail_with_a_warning_and_no_argon2(
    encoded: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Unknown versions, out-of-bounds Argon2 steps and broken values are False with a warning."""

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("Argon2 must not run for a malformed value")

    monkeypatch.setattr(low_level, "hash_secret_raw", refuse)
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name="magento2", customer_id=CUSTOMER
        )
    assert_warned(caplog, "magento2", PASSWORD, *([encoded] if len(encoded) > 20 else []))


def test_memory_ceiling_applies_to_argon2_steps(caplog: pytest.LogCaptureFixture) -> None:
    """With a 32 MiB ceiling Magento's 64 MiB Argon2id is malformed; SHA-256 still verifies."""
    registry = default_registry(Ceilings(max_memory_bytes=32 * MIB))
    argon, sha = by("getHash version 2"), by("getHash version 1")
    with caplog.at_level(logging.WARNING):
        assert not registry.verify(
            argon.password, argon.encoded, format_name="magento2", customer_id=CUSTOMER
        )
    assert_warned(caplog, "magento2", argon.password, argon.encoded)
    assert registry.verify(sha.password, sha.encoded, format_name="magento2")


def test_sha256_works_without_argon2_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """Version 0/1 hashes need only the standard library; Argon2 ones need the hashes extra."""
    monkeypatch.setitem(sys.modules, "argon2", None)
    sha, argon = by("getHash version 1"), by("getHash version 2")
    registry = default_registry()
    assert registry.verify(sha.password, sha.encoded, format_name="magento2")
    with pytest.raises(ConfigurationError, match=r'pip install "hashless\[hashes\]"'):
        registry.verify(argon.password, argon.encoded, format_name="magento2")


def test_strength_depends_on_an_argon2_step_meeting_the_floor() -> None:
    """MD5/SHA-256 chains are weak; a chain with Magento's 64 MiB, 2-pass Argon2id is not."""
    verifier = Magento2Verifier()
    assert verifier.is_weak(by("getHash version 1").encoded)
    assert verifier.is_weak(by("getHash version 0").encoded)
    assert verifier.is_weak(by("version 0 upgraded to 1").encoded)
    assert not verifier.is_weak(by("getHash version 2").encoded)
    assert not verifier.is_weak(by("getHash version 3").encoded)
    assert not verifier.is_weak(by("version 1 upgraded to 2").encoded)
    assert verifier.is_weak(f"{HEX64}:salt:3_32_1_67108864")
    assert verifier.is_weak(f"{HEX64}:salt:3_32_2_8388608")
    with pytest.raises(MalformedHash):
        verifier.is_weak(f"{HEX64}:salt:9")
