"""default_registry(): every format, no optional dependency needed, ceilings, hostile input."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from hashless.errors import ConfigurationError
from hashless.legacy import (
    Ceilings,
    LegacyVerifier,
    StrengthAware,
    builtin_verifiers,
    default_registry,
    hash_is_weak,
)

from .helpers import CUSTOMER, assert_warned, load

ALL_NAMES = [
    "medusa-v1",
    "medusa-v2",
    "wordpress",
    "bcrypt",
    "argon2",
    "phpass",
    "magento2",
    "django-pbkdf2_sha256",
    "django-pbkdf2_sha1",
    "django-argon2",
    "django-bcrypt_sha256",
    "django-bcrypt",
    "django-scrypt",
    "django-md5",
    "django-sha1",
    "django-unsalted_md5",
    "django-unsalted_sha1",
    "django",
    "hardened",
]
HOSTILE = [
    "",
    "$",
    "\0",
    "é",
    "\ud800",
    "a" * 10_000,
    "$" * 500,
    "$2b$",
    "$argon2id$",
    "$P$",
    "$wp$",
    "::",
    "scrypt$",
    "pbkdf2_sha256$",
    "argon2$",
    "c2NyeXB0",
    "pbkdf2_sha256$1000$salt$\ud800",
    "scrypt$1024$salt$8$1$\ud800",
    "md5$s\ud800lt$" + "a" * 32,
    "argon2$argon2id$v=19$m=1024,t=2,p=1$\ud800",
    "$wp$2y$04$\ud800",
    "ab" * 32 + ":s\ud800:1",
    "ab" * 32 + ":s\ud800:2",
]


def test_registry_has_every_builtin_format_name() -> None:
    """The service stores these names beside each hash; all of them must resolve."""
    assert default_registry().names == ALL_NAMES


def test_every_builtin_verifier_reports_strength() -> None:
    """Every built-in verifier implements both the LegacyVerifier and StrengthAware protocols."""
    for verifier in builtin_verifiers():
        assert isinstance(verifier, StrengthAware)
        assert isinstance(verifier.name, str)


def test_stdlib_formats_work_without_optional_dependencies(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither bcrypt nor argon2-cffi importable, Medusa and stdlib-only formats verify."""
    monkeypatch.setitem(sys.modules, "bcrypt", None)
    monkeypatch.setitem(sys.modules, "argon2", None)
    registry = default_registry()
    stdlib_only = [
        *(v for v in load("medusa_scrypt_kdf.json") if v.extra["params"]["logN"] == 1),
        next(v for v in load("medusa_scrypt_kdf.json") if v.extra["params"]["logN"] == 15),
        *load("phpass_php.json")[:2],
        *(v for v in load("django_5_2.json") if "1000 iterations" in v.via),
        *(v for v in load("magento2_php.json") if v.encoded.endswith(":1")),
    ]
    for vector in stdlib_only:
        assert registry.verify(vector.password, vector.encoded, format_name=vector.format)
    bcrypt_vector = load("bcrypt_php.json")[0]
    with pytest.raises(ConfigurationError) as excinfo:
        registry.verify(bcrypt_vector.password, bcrypt_vector.encoded, format_name="bcrypt")
    assert 'pip install "hashless[hashes]"' in str(excinfo.value)
    assert bcrypt_vector.encoded not in str(excinfo.value)


def test_ceilings_pass_through_to_every_verifier(caplog: pytest.LogCaptureFixture) -> None:
    """A ceiling given to default_registry applies to the formats that share it."""
    registry = default_registry(Ceilings(bcrypt_max_cost=9))
    for file_name, fmt in (
        ("bcrypt_php.json", "bcrypt"),
        ("wordpress_php.json", "wordpress"),
        ("django_5_2.json", "django-bcrypt_sha256"),
    ):
        vector = next(
            v
            for v in load(file_name)
            if v.format == fmt and ("$10$" in v.encoded or "$12$" in v.encoded)
        )
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert not registry.verify(
                vector.password, vector.encoded, format_name=fmt, customer_id=CUSTOMER
            )
        assert_warned(caplog, fmt, vector.password, vector.encoded)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scrypt_max_log_n": 0},
        {"scrypt_max_log_n": 31},
        {"max_memory_bytes": 2**31},
        {"bcrypt_max_cost": 32},
        {"phpass_max_log2_count": 31},
        {"pbkdf2_max_iterations": -1},
        {"argon2_max_time_cost": True},
        {"argon2_max_parallelism": 1.5},
    ],
)
def test_invalid_ceilings_are_a_configuration_error(kwargs: dict[str, object]) -> None:
    """Nonsensical ceilings fail at construction, naming the setting."""
    with pytest.raises(ConfigurationError, match=next(iter(kwargs))):
        Ceilings(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoded", HOSTILE, ids=repr)
@pytest.mark.parametrize("format_name", ALL_NAMES)
def test_hostile_values_never_raise_and_are_bounded(
    format_name: str, encoded: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage under any format name is a quick False via the registry, never an exception."""
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            "Hunter2-sëcret", encoded, format_name=format_name, customer_id=CUSTOMER
        )
    assert time.perf_counter() - started < 1.0
    assert_warned(caplog, format_name, "Hunter2-sëcret")


@pytest.mark.parametrize("encoded", HOSTILE, ids=repr)
def test_hostile_values_are_not_detected_or_fail_quietly(encoded: str) -> None:
    """Detection never raises on garbage; an undetected value is a plain False."""
    registry = default_registry()
    registry.detect(encoded)
    assert not registry.verify("Hunter2-sëcret", encoded, customer_id=CUSTOMER)


def test_unknown_format_name_is_a_warning_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """A format name no verifier has (a typo in the import) fails with a warning."""
    with caplog.at_level(logging.WARNING):
        assert not default_registry().verify(
            "pw", "x", format_name="medusa-v3", customer_id=CUSTOMER
        )
    assert_warned(caplog, "medusa-v3")


def test_hash_is_weak_helper() -> None:
    """hash_is_weak answers True/False for known formats and None for unknown or malformed ones."""
    registry = default_registry()
    medusa = load("medusa_scrypt_kdf.json")
    strong = next(v for v in medusa if v.extra["params"]["logN"] == 17)
    assert hash_is_weak(registry, medusa[0].encoded) is True
    assert hash_is_weak(registry, strong.encoded, format_name="medusa-v2") is False
    assert hash_is_weak(registry, "garbage") is None
    assert hash_is_weak(registry, "garbage", format_name="bcrypt") is None
    assert hash_is_weak(registry, medusa[0].encoded, format_name="no-such-format") is None


def test_builtin_verifiers_satisfy_the_protocol_statically() -> None:
    """The list type-checks as LegacyVerifier (mypy) and each has the protocol's members."""
    verifiers: list[LegacyVerifier] = builtin_verifiers()
    for verifier in verifiers:
        assert callable(verifier.identify) and callable(verifier.verify)
