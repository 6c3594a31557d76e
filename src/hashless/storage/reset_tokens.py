"""Password-reset tokens: random, stored hashed, single use, short-lived.

Medusa signed its tokens with the customer's password hash; once the hash has left
the database that no longer works, so a token is its own secret here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from hashless.storage.models import ResetToken, utcnow
from hashless.tokens import new_token, token_hash

__all__ = ["RESET_TOKEN_TTL", "ResetTokenRepository"]

RESET_TOKEN_TTL = timedelta(minutes=15)


class ResetTokenRepository:
    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def issue(self, customer_id: str) -> tuple[str, datetime]:
        token = new_token()
        now = self._clock()
        expires_at = now + RESET_TOKEN_TTL
        with self._sessions.begin() as session:
            session.add(
                ResetToken(
                    token_hash=token_hash(token),
                    customer_id=customer_id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return token, expires_at

    def consume(self, token: str, customer_id: str) -> bool:
        """Use the token up, atomically: of two concurrent resets only one gets True."""
        now = self._clock()
        with self._sessions.begin() as session:
            result = session.execute(
                update(ResetToken)
                .where(
                    ResetToken.token_hash == token_hash(token),
                    ResetToken.customer_id == customer_id,
                    ResetToken.used_at.is_(None),
                    ResetToken.expires_at > now,
                )
                .values(used_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def give_back(self, token: str) -> None:
        """Undo ``consume`` when the reset failed for a reason the customer can retry."""
        with self._sessions.begin() as session:
            session.execute(
                update(ResetToken)
                .where(ResetToken.token_hash == token_hash(token))
                .values(used_at=None)
            )

    def revoke_all(self, customer_id: str) -> None:
        """A successful reset or password change kills every other outstanding token."""
        with self._sessions.begin() as session:
            session.execute(delete(ResetToken).where(ResetToken.customer_id == customer_id))
