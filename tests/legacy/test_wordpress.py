"""WordPress: wp_check_password's shapes, wp_authenticate's trim, bounds, strength."""

from __future__ import annotations

import logging

import pytest

from hashless.errors import MalformedHash
from hashless.legacy import default_registry
from hashless.legacy.wordpress import WordPressVerifier, wordpress_prehash

from .helpers import CUSTOMER, Vector, assert_warned, load

VECTORS = load("wordpress_php.json")
PASSWORD = "Hunter2-sëcret"


def by(password_id: str, via_prefix: str) -> Vector:
    return next(v for v in VECTORS if v.password_id == password_id and v.via.startswith(via_prefix))


def test_surrounding_whitespace_is_trimmed_as_at_wordpress_login() -> None:
    """WordPress stored trim(password) and trimmed again at login: both spellings verify.

    The PHP run records that ``wp_check_password`` alone does not trim (it is
    ``wp_authenticate`` that does), which is why the raw check failed there.
    """
    verifier = WordPressVerifier()
    for via in ("wp_hash_password, bcrypt", "wp_hash_password with the pre-6.8"):
        vector = by("surrounding-whitespace", via)
        assert vector.extra["raw_password_checks"] is False
        assert verifier.verify(vector.password, vector.encoded)
        assert verifier.verify(vector.password.strip(), vector.encoded)
        assert not verifier.verify("padded  password", vector.encoded)


def test_identify_claims_only_the_wp_prefix() -> None:
    """Only $wp$ values are detected as wordpress; older shapes keep their own names."""
    registry = default_registry()
    expected = {"$wp$": "wordpress", "$P$B": "phpass", "$2y$": "bcrypt"}
    for vector in VECTORS:
        detected = registry.detect(vector.encoded)
        assert detected is not None
        assert detected.name == expected.get(vector.encoded[:4], "django-unsalted_md5")


def test_prehash_is_64_ascii_characters() -> None:
    """The bcrypt input is base64 of a 48-byte HMAC: 64 bytes, so 72-byte truncation never bites."""
    assert len(wordpress_prehash(("x" * 300).encode())) == 64


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("$wp$2y$10$short", id="truncated-wp"),
        pytest.param("$wp" + "x" * 57, id="wp-garbage"),
        pytest.param("$wp$2y$99$" + "a" * 53, id="wp-cost-99"),
        pytest.param("$wp$2y$31$" + "a" * 53, id="wp-cost-31-planted"),
        pytest.param("0123456789abcdef0123456789abcdeZ", id="short-not-hex"),
        pytest.param("", id="empty"),
        pytest.param("$1$saltsalt$" + "a" * 22, id="md5-crypt"),
        pytest.param("$P$U" + "abcdefgh" + "A" * 22, id="phpass-count-2**32"),
    ],
)
def test_malformed_values_fail_with_a_warning(
    encoded: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Values wp_check_password could never accept return False via the registry, and warn."""
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name="wordpress", customer_id=CUSTOMER
        )
    assert_warned(caplog, "wordpress", PASSWORD, *([encoded] if len(encoded) > 20 else []))


def test_passwords_over_4096_bytes_fail() -> None:
    """wp_check_password refuses passwords over 4096 bytes for every non-MD5 shape."""
    vector = by("ascii", "wp_hash_password, default")
    assert not WordPressVerifier().verify("a" * 4097, vector.encoded)


def test_strength() -> None:
    """MD5 and phpass are weak; $wp bcrypt is weak below cost 10 and strong at WordPress's 10."""
    verifier = WordPressVerifier()
    assert verifier.is_weak(by("ascii", "md5()").encoded)
    assert verifier.is_weak(by("ascii", "wp_hash_password with the pre-6.8").encoded)
    assert verifier.is_weak(by("ascii", "wp_hash_password, bcrypt cost 4").encoded)
    assert not verifier.is_weak(by("ascii", "wp_hash_password, default").encoded)
    with pytest.raises(MalformedHash):
        verifier.is_weak("$wp$2y$10$short")
