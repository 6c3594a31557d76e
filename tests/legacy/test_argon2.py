"""Argon2 PHC strings: bounded memory/passes/lanes, malformed values, missing library, strength."""

from __future__ import annotations

import logging
import sys

import pytest
from argon2 import low_level

from hashless.errors import ConfigurationError, MalformedHash
from hashless.legacy import Ceilings, default_registry
from hashless.legacy.argon2_phc import Argon2Verifier
from hashless.legacy.ceilings import MIB

from .helpers import CUSTOMER, Vector, assert_warned, load

PHP = load("argon2_php.json")
CFFI = load("argon2_cffi.json")
PASSWORD = "Hunter2-sëcret"
SALT_AND_HASH = "$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43


def by(vectors: list[Vector], via_prefix: str) -> Vector:
    return next(v for v in vectors if v.via.startswith(via_prefix))


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("$argon2id$v=19$m=4194304,t=2,p=1" + SALT_AND_HASH, id="4-GiB"),
        pytest.param("$argon2id$v=19$m=9999999999,t=2,p=1" + SALT_AND_HASH, id="10-digit-m"),
        pytest.param("$argon2id$v=19$m=65536,t=1000,p=1" + SALT_AND_HASH, id="1000-passes"),
        pytest.param("$argon2id$v=19$m=65536,t=2,p=255" + SALT_AND_HASH, id="255-lanes"),
        pytest.param("$argon2id$v=19$m=65536,t=0,p=1" + SALT_AND_HASH, id="0-passes"),
        pytest.param("$argon2id$v=19$m=65536,t=2,p=0" + SALT_AND_HASH, id="0-lanes"),
        pytest.param("$argon2id$v=19$m=8,t=2,p=4" + SALT_AND_HASH, id="m-below-8-per-lane"),
        pytest.param("$argon2id$m=65536,t=2,p=1" + SALT_AND_HASH, id="no-version"),
        pytest.param("$argon2id$v=18$m=65536,t=2,p=1" + SALT_AND_HASH, id="unknown-version"),
        pytest.param("$argon2d$v=19$m=65536,t=2,p=1" + SALT_AND_HASH, id="argon2d"),
        pytest.param("$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$" + "A" * 43, id="short-salt"),
        pytest.param("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ*$" + "A" * 43, id="bad-b64"),
        pytest.param("$argon2id$v=19$m=65536,t=2,p=1", id="truncated"),
        pytest.param(
            "$argon2id$v=19$m=\uff16\uff15\uff15\uff13\uff16,t=2,p=1" + SALT_AND_HASH,
            id="fullwidth-digits",
        ),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_or_out_of_bounds_values_fail_without_hashing(
    encoded: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A planted or broken PHC string is False with a warning; libargon2 never sees it."""

    def refuse(*args: object) -> bool:
        raise AssertionError("libargon2 must not run for an out-of-bounds value")

    monkeypatch.setattr(low_level, "verify_secret", refuse)
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name="argon2", customer_id=CUSTOMER
        )
    assert_warned(caplog, "argon2", PASSWORD, *([encoded] if len(encoded) > 20 else []))


@pytest.mark.parametrize("tail", ["B", "C"])
def test_value_libargon2_cannot_decode_is_malformed(
    tail: str, caplog: pytest.LogCaptureFixture
) -> None:
    """In bounds but undecodable by libargon2 (stray bits after the last byte): warns."""
    good = by(CFFI, "argon2id m=1024").encoded
    encoded = good.rsplit("$", 1)[0] + "$" + "A" * 42 + tail
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name="argon2", customer_id=CUSTOMER
        )
    assert_warned(caplog, "argon2", PASSWORD, encoded)


def test_memory_ceiling_is_configurable(caplog: pytest.LogCaptureFixture) -> None:
    """With a 32 MiB ceiling, PHP's default 64 MiB hash is malformed, the 4 MiB ones verify."""
    registry = default_registry(Ceilings(max_memory_bytes=32 * MIB))
    big, small = by(PHP, "PASSWORD_ARGON2ID defaults"), by(PHP, "PASSWORD_ARGON2ID m=4096")
    with caplog.at_level(logging.WARNING):
        assert not registry.verify(
            big.password, big.encoded, format_name="argon2", customer_id=CUSTOMER
        )
    assert_warned(caplog, "argon2", big.password, big.encoded)
    assert registry.verify(small.password, small.encoded, format_name="argon2")


def test_strength_floor_is_19_mib_and_2_passes() -> None:
    """Small-memory or single-pass hashes are weak; PHP's and argon2-cffi's defaults are not."""
    verifier = Argon2Verifier()
    assert verifier.is_weak(by(PHP, "PASSWORD_ARGON2ID m=4096").encoded)
    assert verifier.is_weak(by(CFFI, "argon2id m=8192 t=1").encoded)
    assert not verifier.is_weak(by(PHP, "PASSWORD_ARGON2ID defaults").encoded)
    assert not verifier.is_weak(by(CFFI, "PasswordHasher() defaults").encoded)
    assert not verifier.is_weak("$argon2id$v=19$m=19456,t=2,p=1" + SALT_AND_HASH)
    assert verifier.is_weak("$argon2id$v=19$m=19455,t=2,p=1" + SALT_AND_HASH)
    with pytest.raises(MalformedHash):
        verifier.is_weak("$argon2d$v=19$m=65536,t=2,p=1" + SALT_AND_HASH)


def test_missing_argon2_library_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without argon2-cffi, verifying says how to install it; the registry does not hide it."""
    monkeypatch.setitem(sys.modules, "argon2", None)
    vector = by(PHP, "PASSWORD_ARGON2ID m=4096")
    with pytest.raises(ConfigurationError, match=r'pip install "hashless\[hashes\]"'):
        default_registry().verify(vector.password, vector.encoded, format_name="argon2")
