"""The shape of the package: the core stays framework-free and its public surface is pinned."""

from __future__ import annotations

import ast
from pathlib import Path

import hashless

PACKAGE = Path(hashless.__file__).parent
CORE = [
    "errors.py",
    "identity.py",
    "emails.py",
    "passwords.py",
    "tokens.py",
    "config.py",
    "migration",
    "legacy",
    "credentials",
]
FORBIDDEN = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "django",
    "httpx",
    "hashless.service",
    "hashless.storage",
    "hashless.cli",
    "hashless.django",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_framework_and_no_adapter() -> None:
    """The core (engine, verifiers, credential stores) imports no web framework, ORM or adapter."""
    offenders = []
    for entry in CORE:
        target = PACKAGE / entry
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            for name in _imports(path):
                if name.startswith(FORBIDDEN):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_public_surface_is_pinned() -> None:
    """``hashless.__all__`` changes only on purpose."""
    assert sorted(hashless.__all__) == sorted(
        [
            "AccountExists",
            "ConfigurationError",
            "CredentialRecord",
            "CredentialRecords",
            "CredentialState",
            "CredentialStoreMisconfigured",
            "CredentialStoreThrottled",
            "CredentialStoreUnavailable",
            "HashlessError",
            "InvalidCredentials",
            "InvalidResetToken",
            "LockedRecord",
            "MalformedHash",
            "MigrationEngine",
            "PasswordRejected",
            "MigrationEvent",
            "ReauthenticationRequired",
            "TooManyAttempts",
            "__version__",
        ]
    )
    for name in hashless.__all__:
        assert hasattr(hashless, name)


def test_every_error_derives_from_the_base() -> None:
    """Callers can catch everything hashless raises with ``HashlessError``."""
    for name in hashless.errors.__all__:
        error = getattr(hashless.errors, name)
        assert issubclass(error, hashless.HashlessError)
