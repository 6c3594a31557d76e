"""Every checked-in vector, through the default registry, under its stored format name."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from hashless.legacy import VerifierRegistry, default_registry

from .helpers import CUSTOMER, VECTOR_FILES, VECTORS_DIR, Vector, one_char_changed, params

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry() -> VerifierRegistry:
    return default_registry()


@pytest.mark.parametrize("vector", params())
def test_vector_verifies(
    vector: Vector, registry: VerifierRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """The platform's own hash of a password verifies, with no warning logged."""
    with caplog.at_level(logging.WARNING, logger="hashless.legacy"):
        assert registry.verify(
            vector.password, vector.encoded, format_name=vector.format, customer_id=CUSTOMER
        )
    assert not caplog.records


def _cheap_enough_to_run_twice(vector: Vector) -> bool:
    # The one 128 MiB scrypt vector (logN 17) is there for the strength floor; its match
    # is checked above and a second 128 MiB derivation would only slow the suite.
    log_n: object = vector.extra.get("params", {}).get("logN")
    return log_n != 17


@pytest.mark.parametrize("vector", [p for p in params() if _cheap_enough_to_run_twice(p.values[0])])
def test_vector_rejects_password_with_one_character_changed(
    vector: Vector, registry: VerifierRegistry
) -> None:
    """The same password with its first character changed does not verify."""
    changed = one_char_changed(vector.password)
    assert not registry.verify(changed, vector.encoded, format_name=vector.format)


@pytest.mark.parametrize("vector", params())
def test_vector_is_detected(vector: Vector, registry: VerifierRegistry) -> None:
    """Detection finds a verifier for every vector, and its stored format claims it.

    The ``wordpress`` format also holds older WordPress shapes that other names claim.
    """
    detected = registry.detect(vector.encoded)
    assert detected is not None
    verifier = registry.get(vector.format)
    assert verifier is not None
    if vector.format != "wordpress" or vector.encoded.startswith("$wp"):
        assert detected.name == vector.format


@pytest.mark.parametrize("file_name", VECTOR_FILES)
def test_vector_file_names_its_generator_and_reference(file_name: str) -> None:
    """Each vector file says which checked-in script and which reference made it."""
    doc = json.loads((VECTORS_DIR / file_name).read_text("utf-8"))
    assert (REPO / doc["generator"]).is_file()
    assert doc["reference"]
    assert doc["vectors"]


def test_vectors_cover_every_builtin_format(registry: VerifierRegistry) -> None:
    """No built-in format goes without vectors from a reference implementation.

    ``hardened`` is hashless' own: test_hardened.py wraps the other formats' vectors.
    """
    covered = {p.values[0].format for p in params()}
    assert set(registry.names) - {"django", "hardened"} <= covered
