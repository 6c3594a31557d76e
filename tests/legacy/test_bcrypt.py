"""Plain bcrypt: the 72-byte rule, NUL bytes, bounded cost, missing library, strength."""

from __future__ import annotations

import logging
import sys
from importlib.metadata import version

import bcrypt
import pytest

from hashless.errors import ConfigurationError, MalformedHash
from hashless.legacy import Ceilings, default_registry
from hashless.legacy.bcrypt_format import BcryptVerifier

from .helpers import CUSTOMER, Vector, assert_warned, load

PHP = load("bcrypt_php.json")
BCRYPTJS = load("bcrypt_bcryptjs.json")
PASSWORD = "Hunter2-sëcret"


def by(vectors: list[Vector], password_id: str, via_prefix: str = "") -> Vector:
    return next(v for v in vectors if v.password_id == password_id and v.via.startswith(via_prefix))


@pytest.mark.parametrize(
    "vector",
    [
        pytest.param(by(PHP, "long-256", "password_hash"), id="php-password_hash"),
        pytest.param(by(PHP, "long-256", "crypt $2a$"), id="php-crypt-2a"),
        pytest.param(by(BCRYPTJS, "long-256"), id="bcryptjs"),
    ],
)
def test_only_the_first_72_bytes_count_as_on_the_platform(vector: Vector) -> None:
    """A 256-char password verifies, and so does anything sharing its first 72 bytes.

    PHP and bcryptjs hashed only those bytes; matching them is what lets the
    customer's real password verify (bcrypt 5 itself would raise instead).
    """
    verifier = BcryptVerifier()
    password = vector.password
    assert verifier.verify(password, vector.encoded)
    assert verifier.verify(password[:72], vector.encoded)
    assert verifier.verify(password[:100] + "CHANGED" + password[107:], vector.encoded)
    assert not verifier.verify(password[:71], vector.encoded)
    if int(version("bcrypt").split(".")[0]) >= 5:
        with pytest.raises(ValueError, match="72 bytes"):
            bcrypt.hashpw(password.encode(), vector.encoded.encode())


def test_truncation_is_by_bytes_even_inside_a_character() -> None:
    """The 72-byte cut can split a UTF-8 character; a password sharing those bytes matches."""
    vector = by(PHP, "multibyte-over-72-bytes", "password_hash")
    assert vector.password == "a" + "é" * 40
    # 'a' + 35 'é' is 71 bytes; byte 72 is the lead byte 0xC3 shared by 'é' and 'è'.
    sibling = "a" + "é" * 35 + "è"
    assert BcryptVerifier().verify(sibling, vector.encoded)
    assert not BcryptVerifier().verify("a" + "é" * 35, vector.encoded)


def test_password_with_nul_never_matches() -> None:
    """NUL is refused: C bcrypt stops at it, bcrypt 5 does not, and no honest login sends one."""
    vector = by(PHP, "ascii")
    assert not BcryptVerifier().verify(vector.password + "\0tail", vector.encoded)
    assert not BcryptVerifier().verify("\0", vector.encoded)


def test_minor_versions_share_one_algorithm_for_utf8_passwords() -> None:
    """$2a$, $2b$ and $2y$ hashes by PHP's crypt of UTF-8 passwords all verify the same way."""
    for vector in PHP:
        assert vector.encoded[:4] in {"$2a$", "$2b$", "$2y$"}
    assert {v.encoded[:4] for v in PHP} == {"$2a$", "$2b$", "$2y$"}


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("$2b$04$abc", id="truncated"),
        pytest.param(by(PHP, "ascii").encoded[:-1], id="one-char-short"),
        pytest.param("$2x$04$" + "a" * 53, id="2x-bug-variant"),
        pytest.param("$2$04$" + "a" * 53, id="2-without-minor"),
        pytest.param("$2b$03$" + "a" * 53, id="cost-3"),
        pytest.param("$2b$99$" + "a" * 53, id="cost-99"),
        pytest.param("$2b$31$" + by(PHP, "ascii").encoded[7:], id="cost-31-planted"),
        pytest.param("$2b$16$" + by(PHP, "ascii").encoded[7:], id="cost-above-ceiling"),
        pytest.param("$2b$04$" + "é" * 53, id="non-ascii"),
        pytest.param("garbage", id="garbage"),
    ],
)
def test_malformed_values_fail_with_a_warning_and_no_hashing(
    encoded: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad or over-costly bcrypt strings return False via the registry; bcrypt never runs."""

    def refuse(*args: object) -> bytes:
        raise AssertionError("bcrypt must not run for a malformed value")

    monkeypatch.setattr(bcrypt, "hashpw", refuse)
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name="bcrypt", customer_id=CUSTOMER
        )
    assert_warned(caplog, "bcrypt", PASSWORD, *([encoded] if len(encoded) > 20 else []))


def test_cost_ceiling_is_configurable(caplog: pytest.LogCaptureFixture) -> None:
    """With bcrypt_max_cost=9, PHP's default cost-10 hash is malformed; cost 4 still verifies."""
    registry = default_registry(Ceilings(bcrypt_max_cost=9))
    cost10 = by(PHP, "ascii", "password_hash default")
    cost4 = by(PHP, "ascii", "password_hash cost 4")
    with caplog.at_level(logging.WARNING):
        assert not registry.verify(
            cost10.password, cost10.encoded, format_name="bcrypt", customer_id=CUSTOMER
        )
    assert_warned(caplog, "bcrypt", cost10.password, cost10.encoded)
    assert registry.verify(cost4.password, cost4.encoded, format_name="bcrypt")


def test_strength_floor_is_cost_10() -> None:
    """Cost 4 is weak, PHP's default cost 10 meets the ASVS floor; garbage is malformed."""
    verifier = BcryptVerifier()
    assert verifier.is_weak(by(PHP, "ascii", "password_hash cost 4").encoded)
    assert not verifier.is_weak(by(PHP, "ascii", "password_hash default").encoded)
    assert not verifier.is_weak(next(v for v in BCRYPTJS if v.extra["cost"] == 10).encoded)
    with pytest.raises(MalformedHash):
        verifier.is_weak("$2b$04$short")


def test_missing_bcrypt_library_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the hashes extra, verifying says how to install it; the registry does not hide it."""
    monkeypatch.setitem(sys.modules, "bcrypt", None)
    vector = by(PHP, "ascii")
    with pytest.raises(ConfigurationError, match=r'pip install "hashless\[hashes\]"'):
        default_registry().verify(vector.password, vector.encoded, format_name="bcrypt")
