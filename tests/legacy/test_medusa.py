"""Medusa's base64(scrypt-kdf) hashes: format split, bounds on planted values, strength."""

from __future__ import annotations

import base64
import hashlib
import logging
import os

import pytest

from hashless.errors import MalformedHash
from hashless.legacy import Ceilings, default_registry
from hashless.legacy.ceilings import MIB
from hashless.legacy.scrypt_kdf import MedusaV1Verifier, MedusaV2Verifier

from .helpers import CUSTOMER, assert_warned, load

VECTORS = load("medusa_scrypt_kdf.json")
V1 = [v for v in VECTORS if v.format == "medusa-v1"]
V2 = [v for v in VECTORS if v.format == "medusa-v2" and v.extra["params"]["logN"] == 15]
V2_STRONG = next(v for v in VECTORS if v.extra["params"]["logN"] == 17)
PASSWORD = "Hunter2-sëcret"


def forge(log_n: int, r: int, p: int, *, checksum_ok: bool = True, version: int = 0) -> str:
    """A scrypt-kdf value with chosen parameters and a valid header checksum: a planted hash."""
    header = b"scrypt" + bytes([version, log_n]) + r.to_bytes(4, "big") + p.to_bytes(4, "big")
    header += os.urandom(32)
    checksum = hashlib.sha256(header).digest()[:16]
    if not checksum_ok:
        checksum = bytes(16)
    return base64.b64encode(header + checksum + os.urandom(32)).decode("ascii")


@pytest.fixture
def no_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything reaches hashlib.scrypt."""

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("scrypt must not run for an out-of-bounds value")

    monkeypatch.setattr(hashlib, "scrypt", refuse)


def test_v1_and_v2_identify_by_parameters() -> None:
    """medusa-v1 claims only N=2,r=1,p=1 values; medusa-v2 claims every other scrypt-kdf value."""
    v1, v2 = MedusaV1Verifier(), MedusaV2Verifier()
    for vector in V1:
        assert v1.identify(vector.encoded) and not v2.identify(vector.encoded)
    for vector in [*V2, V2_STRONG]:
        assert v2.identify(vector.encoded) and not v1.identify(vector.encoded)


def test_v2_verifier_accepts_v1_parameters_when_stored_under_v2() -> None:
    """The stored value carries its parameters: a v2 row holding v1 parameters still verifies."""
    assert MedusaV2Verifier().verify(V1[0].password, V1[0].encoded)


def test_identify_rejects_lookalikes_cheaply() -> None:
    """identify is False for other formats, wrong lengths and a non-zero header version."""
    v2 = MedusaV2Verifier()
    for encoded in [
        "",
        "scrypt",
        "$2b$04$" + "a" * 53,
        V1[0].encoded[:-4],
        forge(15, 8, 1, version=1),
    ]:
        assert not v2.identify(encoded)


@pytest.mark.parametrize(
    ("log_n", "r", "p"),
    [
        pytest.param(30, 8, 1, id="logN-30"),
        pytest.param(21, 1, 1, id="logN-above-ceiling"),
        pytest.param(0, 8, 1, id="logN-0"),
        pytest.param(15, 2**20, 1, id="huge-r"),
        pytest.param(15, 0, 1, id="r-0"),
        pytest.param(15, 8, 2**30, id="huge-p"),
        pytest.param(20, 16, 1, id="2-GiB"),
    ],
)
def test_planted_huge_parameters_fail_without_computing(
    log_n: int, r: int, p: int, no_scrypt: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A planted value demanding gigabytes is a failed login and a warning; scrypt never runs."""
    planted = forge(log_n, r, p)
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, planted, format_name="medusa-v2", customer_id=CUSTOMER
        )
    assert_warned(caplog, "medusa-v2", planted, PASSWORD)


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(V2[0].encoded[:100], id="truncated"),
        pytest.param(V2[0].encoded[:-2] + "==", id="truncated-padded"),
        pytest.param("not a medusa hash at all", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param("é" * 128, id="non-ascii"),
        pytest.param(base64.b64encode(b"scrypt\0" + bytes(88)).decode(), id="95-bytes"),
        pytest.param(forge(15, 8, 1, checksum_ok=False), id="bad-checksum"),
        pytest.param(forge(15, 8, 1, version=1), id="version-1"),
    ],
)
@pytest.mark.parametrize("format_name", ["medusa-v1", "medusa-v2"])
def test_malformed_values_fail_with_a_warning(
    encoded: str, format_name: str, no_scrypt: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Truncated, garbage or corrupted values return False via the registry and never raise."""
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name=format_name, customer_id=CUSTOMER
        )
    assert_warned(caplog, format_name, PASSWORD, *([encoded] if len(encoded) > 20 else []))


def test_ceilings_are_configurable(caplog: pytest.LogCaptureFixture) -> None:
    """Lower ceilings turn an otherwise valid v2 hash into a malformed one (False + warning)."""
    vector = V2[0]
    for ceilings in (Ceilings(scrypt_max_log_n=14), Ceilings(max_memory_bytes=16 * MIB)):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            registry = default_registry(ceilings)
            assert not registry.verify(
                vector.password, vector.encoded, format_name="medusa-v2", customer_id=CUSTOMER
            )
        assert_warned(caplog, "medusa-v2", vector.encoded, vector.password)


def test_password_that_is_not_valid_unicode_fails_quietly() -> None:
    """A lone surrogate (possible in JSON input) cannot be UTF-8 encoded: False, not an error."""
    assert not MedusaV1Verifier().verify("\ud800abc", V1[0].encoded)


def test_strength_v1_always_weak_v2_default_weak_logn17_strong() -> None:
    """N=2 is always weak, N=2**15 is below the 2**17 floor, N=2**17 with r=8 meets it."""
    assert MedusaV1Verifier().is_weak(V1[0].encoded)
    assert MedusaV2Verifier().is_weak(V2[0].encoded)
    assert not MedusaV2Verifier().is_weak(V2_STRONG.encoded)
    with pytest.raises(MalformedHash):
        MedusaV2Verifier().is_weak("garbage")
