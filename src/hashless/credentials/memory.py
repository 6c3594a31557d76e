"""An in-memory credential store: the test seam shipped with hashless.

Like httpx's ``MockTransport``, it lets an application's own tests drive the engine
without Cognito or an emulator, and inject the failures an emulator cannot produce.
Passwords are kept in plain text, in memory only: never use it to serve customers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from hashless.errors import HashlessError, InvalidCredentials, PasswordRejected

__all__ = ["InMemoryCredentialStore"]


@dataclass
class _User:
    email: str
    password: str | None = None


class InMemoryCredentialStore:
    """A thread-safe ``CredentialStore`` held in a dict.

    ``policy`` returns a refusal reason for a password the pool would refuse.
    ``calls`` records ``(operation, username)`` in order, for tests to assert on.
    ``fail_next(operation, error)`` makes the next call of that operation raise.
    """

    def __init__(self, policy: Callable[[str], str | None] | None = None) -> None:
        self._users: dict[str, _User] = {}
        self._policy = policy
        self._lock = threading.Lock()
        self._failures: dict[str, list[HashlessError | BaseException]] = {}
        self.calls: list[tuple[str, str]] = []

    def fail_next(self, operation: str, error: HashlessError | BaseException) -> None:
        """Make the next ``operation`` call (``check``, ``create``...) raise ``error``."""
        with self._lock:
            self._failures.setdefault(operation, []).append(error)

    def _enter(self, operation: str, username: str) -> None:
        self.calls.append((operation, username))
        pending = self._failures.get(operation)
        if pending:
            raise pending.pop(0)

    def check(self, username: str, password: str) -> None:
        with self._lock:
            self._enter("check", username)
            user = self._users.get(username)
            if user is None or user.password is None or user.password != password:
                raise InvalidCredentials()

    def create(self, username: str, email: str) -> bool:
        with self._lock:
            self._enter("create", username)
            if username in self._users:
                return False
            self._users[username] = _User(email=email)
            return True

    def set_password(self, username: str, password: str) -> None:
        with self._lock:
            self._enter("set_password", username)
            reason = self._policy(password) if self._policy else None
            if reason is not None:
                raise PasswordRejected(reason)
            user = self._users.get(username)
            if user is None:
                raise InvalidCredentials()
            user.password = password

    def update_email(self, username: str, email: str) -> None:
        with self._lock:
            self._enter("update_email", username)
            user = self._users.get(username)
            if user is None:
                raise InvalidCredentials()
            user.email = email

    def delete(self, username: str) -> None:
        with self._lock:
            self._enter("delete", username)
            self._users.pop(username, None)

    # -- inspection, for tests ----------------------------------------------------

    def has_user(self, username: str) -> bool:
        return username in self._users

    def password_of(self, username: str) -> str | None:
        user = self._users.get(username)
        return user.password if user else None

    def email_of(self, username: str) -> str | None:
        user = self._users.get(username)
        return user.email if user else None

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.calls if op == operation)
