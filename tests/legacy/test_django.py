"""Django hashers: the umbrella format, unusable passwords, 72-byte bcrypt, bounds, strength."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys

import pytest

from hashless.errors import MalformedHash
from hashless.legacy import VerifierRegistry, default_registry
from hashless.legacy.django_any import DjangoVerifier

from .helpers import CUSTOMER, Vector, assert_warned, load

VECTORS = load("django_5_2.json") + load("django_4_2.json")
CHEAP = [v for v in VECTORS if "default" not in v.via]
PASSWORD = "Hunter2-sëcret"


def by(fmt: str, via_prefix: str = "", password_id: str = "ascii") -> Vector:
    return next(
        v
        for v in VECTORS
        if v.format == fmt and v.via.startswith(via_prefix) and v.password_id == password_id
    )


@pytest.fixture(scope="module")
def registry() -> VerifierRegistry:
    return default_registry()


@pytest.mark.parametrize("vector", [pytest.param(v, id=v.id) for v in CHEAP])
def test_umbrella_django_format_verifies_every_hasher(vector: Vector) -> None:
    """A row stored as plain ``django`` verifies whichever hasher wrote it, like check_password."""
    verifier = DjangoVerifier()
    assert verifier.identify(vector.encoded)
    assert verifier.verify(vector.password, vector.encoded)
    assert verifier.is_weak(vector.encoded) == default_registry().get(vector.format).is_weak(  # type: ignore[union-attr]
        vector.encoded
    )


def test_unusable_password_matches_nothing_without_a_warning(
    registry: VerifierRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """Django's set_unusable_password() value is a plain failure under ``django``, not malformed."""
    with caplog.at_level(logging.WARNING):
        assert not registry.verify("", "!" + "x" * 40, format_name="django", customer_id=CUSTOMER)
    assert not caplog.records


def test_bcrypt_from_django_with_bcrypt_4_was_truncated_at_72_bytes() -> None:
    """Django + bcrypt 4 hashed only the first 72 bytes; that prefix alone verifies too."""
    vector = by("django-bcrypt", "subclass", "long-256")
    assert "bcrypt 4." in vector.via
    verifier = default_registry().get("django-bcrypt")
    assert verifier is not None
    assert verifier.verify(vector.password, vector.encoded)
    assert verifier.verify(vector.password[:72], vector.encoded)


def test_bcrypt_sha256_is_not_truncated() -> None:
    """bcrypt_sha256 pre-hashes, so a long password's 72-byte prefix does not verify."""
    vector = by("django-bcrypt_sha256", "subclass", "long-256")
    verifier = default_registry().get("django-bcrypt_sha256")
    assert verifier is not None
    assert not verifier.verify(vector.password[:72], vector.encoded)


def test_md5_dollar_dollar_form_is_unsalted_md5(registry: VerifierRegistry) -> None:
    """``md5$$<hex>`` is Django's empty-salt spelling of unsalted MD5, detected as such."""
    vector = next(v for v in VECTORS if v.encoded.startswith("md5$$"))
    detected = registry.detect(vector.encoded)
    assert detected is not None and detected.name == "django-unsalted_md5"


@pytest.mark.parametrize(
    ("format_name", "encoded"),
    [
        ("django-pbkdf2_sha256", "pbkdf2_sha256$999999999$salt$" + "A" * 44),
        ("django-pbkdf2_sha256", "pbkdf2_sha256$0$salt$" + "A" * 44),
        ("django-pbkdf2_sha256", "pbkdf2_sha256$1e6$salt$" + "A" * 44),
        ("django-pbkdf2_sha256", "pbkdf2_sha256$\uff11\uff10\uff10\uff10$salt$" + "A" * 44),
        ("django-pbkdf2_sha256", "pbkdf2_sha256$1000$$" + "A" * 44),
        ("django-pbkdf2_sha256", "pbkdf2_sha256$1000$salt"),
        ("django-pbkdf2_sha1", "pbkdf2_sha256$1000$salt$" + "A" * 44),
        ("django-scrypt", "scrypt$1073741824$salt$8$1$" + "A" * 88),
        ("django-scrypt", "scrypt$1000$salt$8$1$" + "A" * 88),
        ("django-scrypt", "scrypt$16384$salt$1048576$1$" + "A" * 88),
        ("django-scrypt", "scrypt$16384$salt$8$1000$" + "A" * 88),
        ("django-scrypt", "scrypt$1048576$salt$16$1$" + "A" * 88),
        ("django-argon2", "argon2$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzYWx0$" + "A" * 43),
        ("django-argon2", "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$" + "A" * 43),
        ("django-bcrypt", "bcrypt$$2b$31$" + "a" * 53),
        ("django-bcrypt_sha256", "bcrypt$$2b$04$" + "a" * 53),
        ("django-md5", "md5$salt$" + "A" * 32),
        ("django-md5", "md5$$" + "a" * 32),
        ("django-sha1", "sha1$salt$" + "a" * 39),
        ("django-unsalted_md5", "A" * 32),
        ("django-unsalted_sha1", "sha1$$" + "a" * 32),
        ("django", "crypt$$abcdefghijkl"),
        ("django", ""),
    ],
)
def test_malformed_values_fail_with_a_warning_and_no_key_derivation(
    format_name: str,
    encoded: str,
    registry: VerifierRegistry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Out-of-bounds or broken Django values return False via the registry and warn."""

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("no key derivation for a malformed value")

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", refuse)
    monkeypatch.setattr(hashlib, "scrypt", refuse)
    with caplog.at_level(logging.WARNING):
        assert not registry.verify(PASSWORD, encoded, format_name=format_name, customer_id=CUSTOMER)
    assert_warned(caplog, format_name, PASSWORD, *([encoded] if len(encoded) > 20 else []))


def test_iterations_in_a_non_canonical_spelling_never_match(registry: VerifierRegistry) -> None:
    """Like Django, the whole string is compared: '01000' iterations is not '1000'."""
    vector = by("django-pbkdf2_sha256", "1000 iterations")
    respelled = vector.encoded.replace("$1000$", "$01000$", 1)
    assert not registry.verify(vector.password, respelled, format_name=vector.format)


@pytest.mark.parametrize(
    ("fmt", "via", "weak"),
    [
        ("django-pbkdf2_sha256", "default, 1000000", False),
        ("django-pbkdf2_sha256", "default, 600000", False),
        ("django-pbkdf2_sha256", "1000 iterations", True),
        ("django-pbkdf2_sha1", "1000 iterations", True),
        ("django-argon2", "default parameters", False),
        ("django-argon2", "subclass m=1024", True),
        ("django-bcrypt_sha256", "default, 12 rounds", False),
        ("django-bcrypt_sha256", "subclass, 4 rounds", True),
        ("django-scrypt", "default parameters", True),
        ("django-md5", "salted MD5", True),
        ("django-sha1", "salted SHA-1", True),
        ("django-unsalted_md5", "unsalted MD5", True),
        ("django-unsalted_sha1", "unsalted SHA-1", True),
    ],
)
def test_strength(fmt: str, via: str, weak: bool, registry: VerifierRegistry) -> None:
    """Floors: PBKDF2-SHA256 600k, Argon2 19 MiB/2 passes, bcrypt 10, scrypt 2**17; digests weak."""
    verifier = registry.get(fmt)
    assert verifier is not None
    assert verifier.is_weak(by(fmt, via).encoded) is weak  # type: ignore[attr-defined]


def test_is_weak_of_unparseable_value_is_malformed(registry: VerifierRegistry) -> None:
    """is_weak raises MalformedHash rather than guessing."""
    with pytest.raises(MalformedHash):
        registry.get("django").is_weak("crypt$$abc")  # type: ignore[union-attr]


def test_verifiers_do_not_import_django() -> None:
    """Verifying Django hashes needs no Django: hashless never imports it."""
    vector = by("django-pbkdf2_sha256", "1000 iterations")
    code = (
        "import sys; from hashless.legacy import default_registry; "
        f"assert default_registry().verify({vector.password!r}, {vector.encoded!r}, "
        "format_name='django'); assert 'django' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
