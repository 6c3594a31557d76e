"""``hashless serve --workers 2``: one scrape of any worker reports the whole host."""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hashless.credentials.provision import ProvisionedPool
from tests.reliability.servers import KEYS, ServedHashless

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="tells the workers apart through Linux's /proc"
)

ADMIN_TOKEN = "metrics-admin-token-0123456789"
PER_WORKER = 3


def _failed_logins(connection: http.client.HTTPConnection) -> float:
    """``hashless_logins_total{outcome="failed"}`` as this connection's worker reports it."""
    connection.request("GET", "/metrics", headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    response = connection.getresponse()
    text = response.read().decode()
    assert response.status == 200
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "hashless_logins_total" and sample.labels == {"outcome": "failed"}:
                return sample.value
    return 0.0


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_every_worker_reports_the_hosts_sum_and_the_folder_goes_at_exit(
    tmp_path: Path, pool: ProvisionedPool, moto_url: str
) -> None:
    """Logins answered by both workers are counted once each in every worker's scrape,
    also after a worker was killed and replaced; the metrics folder is private, a stale
    one left by a killed ``serve`` is removed at start, and the live one at exit."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    stale = temp / f"hashless-metrics-{_dead_pid()}-left"
    stale.mkdir()
    env = {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_ENDPOINT_URL": moto_url,
        "COGNITO_ACCESS_KEY_ID": KEYS["access_key_id"],
        "COGNITO_SECRET_ACCESS_KEY": KEYS["secret_access_key"],
        "HASHLESS_DATABASE_URL": f"sqlite:///{tmp_path}/hashless.db",
        "HASHLESS_ADMIN_TOKEN": ADMIN_TOKEN,
        "HASHLESS_COOKIE_SECURE": "false",
        "HASHLESS_LOGIN_FAILURE_FLOOR_MS": "0",
        "HASHLESS_COGNITO_RATE_FILE": str(tmp_path / "quota.bin"),
        "TMPDIR": str(temp),
    }
    with ServedHashless(env, workers=2, cwd=tmp_path) as served:
        assert not stale.exists()
        (folder,) = temp.glob("hashless-metrics-*")
        assert folder.stat().st_mode & 0o077 == 0
        connections = served.spread_connections(PER_WORKER)
        for i, connection in enumerate(connections):
            body = json.dumps({"email": f"nobody{i}@example.com", "password": "not it"})
            connection.request("POST", "/store/auth", body, {"content-type": "application/json"})
            response = connection.getresponse()
            response.read()
            assert response.status == 401
        logins = len(connections)
        assert [_failed_logins(c) for c in connections] == [logins] * logins

        victim = served.worker_of(connections[0])
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len([p for p in served.worker_pids() if p != victim]) < 2:
            assert time.monotonic() < deadline, "uvicorn did not replace the killed worker"
            time.sleep(0.1)
        survivor = served.connect()
        assert _failed_logins(survivor) == logins
    assert not folder.exists()
