"""Failed-login medians through a project's real login view, as tests/security/test_timing.py
measures the service's: the kinds interleaved in a shuffled order, a warm-up first,
medians compared.

Django's test client is synchronous, so the attempts run one after another; the
machine's load then hits every kind alike.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.test import Client

from hashless.credentials.memory import InMemoryCredentialStore

SAMPLES = 50
WARM_UP = 22
"""Per kind: 66 attempts in all, more than ``timing.WINDOW``, so the first requests of the
process (slow: imports, templates) have left the padding window before measuring starts."""
FLOOR_SECONDS = 0.25
"""The default ``LOGIN_FLOOR_SECONDS``, as production runs it."""
COGNITO_LATENCY = 0.040
LEGACY_ITERATIONS = 30_000
"""Django's PBKDF2 at 30,000 iterations: tens of milliseconds, well above the lookup."""
WRONG = "not the right password"


class SlowCognito(InMemoryCredentialStore):
    """The in-memory store behind a realistic network round trip."""

    def check(self, username: str, password: str) -> None:
        time.sleep(COGNITO_LATENCY)
        super().check(username, password)


Attempt = Callable[[str, int], dict[str, str]]
"""(kind, i) -> the form data of one failed login."""


def measure(
    url: str, kinds: list[str], form: Attempt, samples: int = SAMPLES
) -> dict[str, list[float]]:
    """Seconds per failed login, by kind; every attempt is a fresh client."""
    warm_up = [(kind, i) for kind in kinds for i in range(WARM_UP)]
    plan = [(kind, i) for kind in kinds for i in range(WARM_UP, WARM_UP + samples)]
    rng = random.Random(7)
    rng.shuffle(warm_up)
    rng.shuffle(plan)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for number, (kind, i) in enumerate(warm_up + plan):
        client = Client()
        started = time.perf_counter()
        response = client.post(url, form(kind, i))
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (kind, response.status_code)
        assert response.context["form"].errors, kind  # a failed login, shown in the form
        if number >= len(warm_up):
            times[kind].append(elapsed)
    return times


def medians(times: dict[str, list[float]]) -> tuple[dict[str, float], float, str]:
    """The medians, their spread (largest over smallest, minus one) and a report line."""
    found = {kind: statistics.median(samples) for kind, samples in times.items()}
    spread = max(found.values()) / min(found.values()) - 1
    text = ", ".join(f"{kind} {m * 1000:.1f} ms" for kind, m in found.items())
    return found, spread, f"{text}; spread {spread:.2%}"


def no_padding(monkeypatch: Any) -> None:
    """hashless' padding switched off, to show what it hides."""
    from hashless.django.timing import LoginTiming

    monkeypatch.setattr(LoginTiming, "pad", lambda self, started, minimum=None: None)
