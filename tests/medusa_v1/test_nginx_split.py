"""The README's nginx split, run as written: only the credential routes go to hashless.

The ``nginx`` block is taken from README.md itself (its ports swapped for the test's),
so the documented configuration is the tested one. Needs Debian's ``nginx-light`` (or
any nginx with ``auth_request``): skipped without it, failed under CI=true.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI

from .real_stack import LEGACY_PASSWORD, MedusaStack

pytestmark = [pytest.mark.node, pytest.mark.postgres]

README = Path(__file__).resolve().parents[2] / "README.md"


def _snippet() -> str:
    found = re.search(r"```nginx\n(.*?)```", README.read_text(), re.S)
    assert found, "README.md has no nginx block"
    return found.group(1)


@pytest.fixture
def nginx(medusa_stack: MedusaStack, tmp_path: Path) -> Iterator[str]:
    """nginx with the README's configuration in front of the stack's hashless and Medusa."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        message = "nginx is not installed (apt-get install nginx-light)"
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)
    from medusa_backend import free_port

    port = free_port()
    hashless_port = medusa_stack.hashless.url.rsplit(":", 1)[1]
    medusa_port = medusa_stack.medusa.url.rsplit(":", 1)[1]
    server = (
        _snippet()
        .replace("127.0.0.1:9000", f"127.0.0.1:{hashless_port}")
        .replace("127.0.0.1:9001", f"127.0.0.1:{medusa_port}")
        .replace("server {\n", f"server {{\n    listen 127.0.0.1:{port};\n", 1)
    )
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"worker_processes 1;\ndaemon off;\npid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {tmp_path / 'access.log'};\n"
        f"    client_body_temp_path {temp['body']};\n    proxy_temp_path {temp['proxy']};\n"
        f"    fastcgi_temp_path {temp['fastcgi']};\n    uwsgi_temp_path {temp['uwsgi']};\n"
        f"    scgi_temp_path {temp['scgi']};\n{server}\n}}\n"
    )
    command = [binary, "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{url}/store/regions", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start:\n{(tmp_path / 'error.log').read_text()}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_documented_split_orders_as_the_customer_and_ends_with_the_session(
    medusa_stack: MedusaStack, nginx: str
) -> None:
    """Through the README's nginx: a Medusa customer logs in at hashless, checks out at
    Medusa itself (the credential from ``auth_request``), and the order is the
    customer's; after "sign out everywhere" Medusa no longer knows the session; a JWT
    Medusa issued itself, sent to nginx, reaches Medusa as nothing."""
    email = medusa_stack.legacy["nginx"]
    report = medusa_stack.checkout(email, LEGACY_PASSWORD, "cookie", base_url=nginx)
    rows = medusa_stack.sql('SELECT customer_id FROM "order" WHERE id = %s', report["order_id"])
    assert rows == [(report["customer_id"],)]
    assert medusa_stack.password_hash(email) is None
    cookie = report["credential"]
    orders = f"{nginx}/store/customers/me/orders"
    assert httpx.get(orders, headers={"cookie": cookie}).status_code == 200
    forged = httpx.post(
        f"{nginx}/store/carts",
        json={},
        headers={"cookie": cookie, "origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    ended = httpx.delete(f"{nginx}/store/auth/sessions", headers={"cookie": cookie})
    assert ended.status_code == 200
    assert httpx.get(orders, headers={"cookie": cookie}).status_code == 401
    issued = httpx.post(
        f"{medusa_stack.medusa.url}/store/auth/token",
        json={"email": medusa_stack.legacy["direct"], "password": LEGACY_PASSWORD},
    )
    if issued.status_code == 200:  # the customer may have migrated in another test
        bearer = {"authorization": f"Bearer {issued.json()['access_token']}"}
        assert httpx.get(orders, headers=bearer).status_code == 401
