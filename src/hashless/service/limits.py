"""The limits on guessing: per account, per known device, per client address, and on
reset requests. Counters live in ``login_throttle``, shared by every worker."""

from __future__ import annotations

from datetime import timedelta

from hashless.credentials.cognito import COGNITO_LOCKOUT_FAILURES
from hashless.emails import email_key
from hashless.storage import ThrottleRule
from hashless.tokens import token_hash

__all__ = [
    "ACCOUNT_RULE",
    "ADDRESS_HOLD",
    "ADDRESS_RULE",
    "DEVICE_RULE",
    "RESET_ADDRESS_RULE",
    "RESET_EMAIL_RULE",
    "account_key",
    "login_rules",
    "reset_rules",
]

ACCOUNT_RULE = ThrottleRule(free=COGNITO_LOCKOUT_FAILURES - 2, ceiling=timedelta(minutes=1))
"""Per email: 3 free failures; the 4th starts a wait of 1 s, doubling, capped at a minute.
That is one failure before Cognito's own lock-out (the 5th failure locks for 1 s,
doubling), so hashless stops guessing first, and its wait stays at least Cognito's
lock up to the ceiling: the right password, sent when hashless lets it, meets no lock.
Its answer (429, "...or reset your password") is the same for every email, so a
customer whose Cognito account needs a reset, whose logins answer the generic 401 (no
account state proves the password right), is told what to do after four tries.
A guesser gets about one try a minute, far below NIST's 100 failures; a device that
logged in to the account before is not held by it (``DEVICE_RULE``)."""

DEVICE_RULE = ACCOUNT_RULE
"""Per known device, the account's rule over the device's own failures: a stolen device
token buys no more guesses than anyone gets, and Cognito's own lock-out stays behind."""

ADDRESS_RULE = ThrottleRule(free=100, ceiling=timedelta(seconds=4), spaced=True)
"""Per client address: room for a shared office NAT; beyond it the address's password
checks are spaced 1 s, 2 s, then 4 s apart (across all workers) instead of walled off.
Known devices are not held by it (docs/security.md has the argument)."""

ADDRESS_HOLD = timedelta(seconds=4)
"""How long an attempt from a spaced address may wait for its slot instead of a 429."""


RESET_EMAIL_RULE = ThrottleRule(free=3, ceiling=timedelta(hours=1), first=timedelta(minutes=1))
"""Reset requests per typed email: 3 at once, then 1 min, 2 min... apart, at most one an
hour. Known and unknown emails count alike, so the limit tells nothing."""

RESET_ADDRESS_RULE = ThrottleRule(free=20, ceiling=timedelta(hours=1), first=timedelta(minutes=1))
"""Reset requests per client address, across emails: room for a shared office NAT."""


def account_key(email: str) -> str:
    return f"account:{email_key(email)}"


def login_rules(email: str, ip: str | None, device: str | None) -> dict[str, ThrottleRule]:
    """The throttle keys of one attempt: the account's, the client address's, and the
    known device's (by its token's hash: the raw token is never stored)."""
    rules = {account_key(email): ACCOUNT_RULE}
    if ip:
        rules[f"ip:{ip}"] = ADDRESS_RULE
    if device:
        rules[f"device:{token_hash(device)}"] = DEVICE_RULE
    return rules


def reset_rules(email: str, ip: str | None) -> dict[str, ThrottleRule]:
    """The throttle keys of one reset request: the typed email's and the address's."""
    rules = {f"reset:{email_key(email)}": RESET_EMAIL_RULE}
    if ip:
        rules[f"reset-ip:{ip}"] = RESET_ADDRESS_RULE
    return rules
