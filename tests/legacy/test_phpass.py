"""phpass portable hashes: bounded round count, no trimming, non-ASCII via PHP, strength."""

from __future__ import annotations

import hashlib
import logging

import pytest

from hashless.errors import MalformedHash
from hashless.legacy import Ceilings, default_registry
from hashless.legacy.phpass import PhpassVerifier

from .helpers import CUSTOMER, assert_warned, load

PHP = load("phpass_php.json")
NODE = load("phpass_wordpress_hash_node.json")
WORDPRESS = load("wordpress_php.json")
PASSWORD = "Hunter2-sëcret"
TAIL = "abcdefgh" + "A" * 22  # salt + hash characters after "$P$" and the count


def test_php_and_node_agree_on_ascii_passwords() -> None:
    """Both references' $P$B hashes of the same ASCII password verify with one verifier."""
    verifier = PhpassVerifier()
    node_ids = {v.password_id for v in NODE}
    php_same = [v for v in PHP if v.password_id in node_ids and v.encoded.startswith("$P$B")]
    assert php_same
    for vector in [*php_same, *NODE]:
        assert verifier.verify(vector.password, vector.encoded)


def test_phpbb_h_marker_is_the_same_algorithm() -> None:
    """phpBB's $H$ values verify like $P$ ones (phpass checks both)."""
    h_vectors = [v for v in PHP if v.encoded.startswith("$H$")]
    assert h_vectors
    assert all(PhpassVerifier().verify(v.password, v.encoded) for v in h_vectors)


def test_password_is_used_as_typed_without_trimming() -> None:
    """phpass itself does not trim: only the trimmed form matches a hash of the trimmed password.

    (WordPress trims at login; the ``wordpress`` format does that, not ``phpass``.)
    """
    vector = next(
        v for v in WORDPRESS if v.password_id == "surrounding-whitespace" and "$P$" in v.encoded
    )
    verifier = PhpassVerifier()
    assert verifier.verify(vector.password.strip(), vector.encoded)
    assert not verifier.verify(vector.password, vector.encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("$P$5" + TAIL[:-1], id="33-chars"),
        pytest.param("$P$3" + TAIL, id="count-below-2**7"),
        pytest.param("$P$U" + TAIL, id="count-2**32"),
        pytest.param("$P$z" + TAIL, id="count-2**63"),
        pytest.param("$P$I" + TAIL, id="count-2**20-above-ceiling"),
        pytest.param("$X$B" + TAIL, id="unknown-marker"),
        pytest.param("$P$B" + TAIL[:-1] + "!", id="bad-character"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_values_fail_with_a_warning_and_no_hashing(
    encoded: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad or over-costly phpass strings return False via the registry; MD5 never runs."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("MD5 must not run for a malformed value")

    monkeypatch.setattr(hashlib, "md5", refuse)
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            PASSWORD, encoded, format_name="phpass", customer_id=CUSTOMER
        )
    assert_warned(caplog, "phpass", PASSWORD, *([encoded] if len(encoded) > 20 else []))


def test_round_ceiling_is_configurable(caplog: pytest.LogCaptureFixture) -> None:
    """With phpass_max_log2_count=12, WordPress's 2**13 rounds are out of bounds."""
    vector = next(v for v in PHP if v.encoded.startswith("$P$B"))
    with caplog.at_level(logging.WARNING):
        assert not default_registry(Ceilings(phpass_max_log2_count=12)).verify(
            vector.password, vector.encoded, format_name="phpass", customer_id=CUSTOMER
        )
    assert_warned(caplog, "phpass", vector.password, vector.encoded)


def test_overlong_password_fails_as_in_phpass() -> None:
    """phpass refuses passwords over 4096 bytes; so do we, without hashing them."""
    vector = PHP[0]
    assert not PhpassVerifier().verify("a" * 4097, vector.encoded)


def test_always_weak() -> None:
    """Iterated MD5 is below any floor; an unparseable value is malformed, not weak."""
    assert all(PhpassVerifier().is_weak(v.encoded) for v in [*PHP, *NODE])
    with pytest.raises(MalformedHash):
        PhpassVerifier().is_weak("$P$3" + TAIL)
