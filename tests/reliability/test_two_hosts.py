"""Two hosts behind a load balancer: one Cognito budget through Redis, one host killed.

``benchmarks/multihost.py`` in a shorter run (12 s instead of 30): two
``hashless serve --workers 2`` process groups on 127.0.0.2 and 127.0.0.3, one fresh
PostgreSQL database, one Redis, the Cognito stand-in holding ``AdminInitiateAuth`` to
120/s, 300 logins/s offered across both, one host SIGKILLed half-way.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest

# benchmarks/ is on the path (tests/conftest.py).
from multihost import HOSTS, run_two_hosts

from tests.conftest import IN_CI, private_redis

QUOTA = 120.0
RATE = 300.0
SECONDS = 12.0


def _loopback_aliases() -> bool:
    try:
        for host in HOSTS:
            with socket.socket() as sock:
                sock.bind((host, 0))
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not _loopback_aliases(), reason="needs 127.0.0.2 and 127.0.0.3 (Linux)"),
]


@pytest.fixture(scope="module")
def figures(postgres_database: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run, shared by the assertions below (each pins one promise of the run)."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > cores and not IN_CI:
        # Other work already fills every core: the figures would measure that work, not
        # hashless. CI has the machine to itself, and always runs and judges it.
        pytest.skip(f"the machine is busy (load {load:.1f} on {cores} cores)")
    with private_redis() as redis:
        result = run_two_hosts(
            tmp_path_factory.mktemp("two-hosts"),
            postgres_database,
            redis.url,
            rate=RATE,
            seconds=SECONDS,
            quota=QUOTA,
        )
    print(result)
    return result


def test_the_hosts_together_use_the_quota_and_cognito_throttles_almost_nothing(
    figures: dict[str, Any],
) -> None:
    """At 2.5 times the quota offered, the hosts together use most of it and Cognito
    throttles almost nothing: they draw from one bucket, not each from a full quota of
    its own (which would have the stand-in refuse about half the calls).

    The bounds leave room for a CPU-starved machine; the issue's figures (≥ 95 % of the
    quota, < 1 % throttled) are measured and reported by ``benchmarks/multihost.py``,
    because a benchmark reports and a test must not flake on a busy machine."""
    # 0.6: a budget cut far below the quota (say, each host a quarter) fails; a CPU-starved
    # machine at load 10 still made 87/s (and 122.8-123.1/s on a quiet one).
    assert figures["successful_per_second"] >= 0.6 * QUOTA
    assert figures["standin_throttled_share"] < 0.05


def test_every_refusal_is_a_503_with_retry_after(figures: dict[str, Any]) -> None:
    """The excess is refused with 503 + Retry-After; nothing else fails, except requests
    that were inside the killed host when it died."""
    assert figures["refused"] > 0
    assert figures["refused_with_retry_after"] == figures["refused"]
    assert figures["other_errors"] == 0


def test_the_surviving_host_keeps_serving_the_whole_quota(figures: dict[str, Any]) -> None:
    """Once one host is dead, the other takes the whole shared budget: no hand-set share
    of 60/s keeps it at half."""
    # 0.6 of the quota (72/s) is above the 60/s a hand-set half would allow after the
    # kill; a CPU-starved machine at load 10 still made 83.4/s (quiet: 119.7-120.0/s).
    assert figures["survivor_successful_per_second_after_kill"] >= 0.6 * QUOTA


def test_killing_a_host_loses_no_data(figures: dict[str, Any]) -> None:
    """Every login answered 200 has its session in PostgreSQL (at most the logins inside
    the dead host when it died add to them), and sessions the dead host opened still
    sign their customers in on the other host."""
    answered, lost = figures["client_succeeded"], figures["unanswered"]
    assert answered <= figures["sessions_in_database"] <= answered + lost
    assert figures["killed_hosts_sessions_valid_on_survivor"] == "5 of 5"


def test_the_summed_metrics_agree_with_the_stand_in(figures: dict[str, Any]) -> None:
    """The surviving host's scrape plus the dead host's metric files count the logins the
    stand-in and the client counted, give or take the requests lost in the dead host."""
    lost = figures["unanswered"]
    assert abs(figures["metrics_logins_succeeded"] - figures["standin_succeeded"]) <= lost
    assert abs(figures["metrics_logins_succeeded"] - figures["client_succeeded"]) <= lost
    assert 0 <= figures["metrics_logins_unavailable"] - figures["refused"] <= lost
