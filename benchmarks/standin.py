"""A Cognito stand-in for benchmarks: the admin operations' JSON protocol, fast.

It answers the five admin operations hashless uses (``AdminInitiateAuth``,
``AdminCreateUser``, ``AdminSetUserPassword``, ``AdminUpdateUserAttributes``,
``AdminDeleteUser``) as botocore expects them (``X-Amz-Target`` header, JSON body,
HTTP 400 with ``{"__type", "message"}`` for errors), after a configurable latency,
and refuses calls beyond per-category quotas with ``TooManyRequestsException``.
Signatures are not checked. Everything lives in memory; passwords are plain text,
which is fine for benchmark users and nothing else.

Its own cost is kept small on purpose (an asyncio protocol, no framework, the latency
is a timer, not a sleeping thread), and it reports its CPU seconds at
``GET /_control/stats`` so the harness can state what it cost.

Control (plain JSON, no signature):
    GET  /_control/stats   {"calls": {op: n}, "throttled": {op: n}, "cpu_seconds": s}
    POST /_control/config  {"latency_ms": 50, "quotas": {"UserAuthentication": 120, ...},
                            "burst_seconds": 1.0}; resets the counters
    POST /_control/users   {"users": {"username": "password", ...}}

    python benchmarks/standin.py --port 0        # prints "READY <port>" when listening
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter

OPERATION_CATEGORY = {
    "AdminInitiateAuth": "UserAuthentication",
    "AdminCreateUser": "UserCreation",
    "AdminSetUserPassword": "UserAccountRecovery",
    "AdminUpdateUserAttributes": "UserUpdate",
    "AdminDeleteUser": "UserUpdate",
}

_TARGET_PREFIX = "AWSCognitoIdentityProviderService."

# Tokens about the size of real Cognito JWTs, so the client parses a realistic body.
_TOKEN = "eyJ" + "x" * 1000
_AUTH_RESULT = json.dumps(
    {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": _TOKEN,
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
            "RefreshToken": _TOKEN,
            "IdToken": _TOKEN,
        },
    }
).encode()


class TokenBucket:
    """``rate`` requests a second with ``rate * burst_seconds`` of burst; None: unlimited."""

    def __init__(self, rate: float | None, burst_seconds: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, (rate or 0) * burst_seconds)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        if self.rate is None:
            return True
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Pool:
    """The user pool's state, the latency and the quotas."""

    def __init__(self) -> None:
        self.users: dict[str, str | None] = {}
        self.latency = 0.0
        self.buckets: dict[str, TokenBucket] = {}
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()

    def configure(self, config: dict[str, object]) -> None:
        self.latency = float(config.get("latency_ms", 0)) / 1000  # type: ignore[arg-type]
        burst = float(config.get("burst_seconds", 1.0))  # type: ignore[arg-type]
        quotas = config.get("quotas") or {}
        assert isinstance(quotas, dict)
        self.buckets = {
            category: TokenBucket(quotas.get(category), burst)
            for category in set(OPERATION_CATEGORY.values())
        }
        self.calls.clear()
        self.throttled.clear()

    def answer(self, operation: str, body: bytes) -> tuple[int, bytes]:
        self.calls[operation] += 1
        category = OPERATION_CATEGORY.get(operation)
        if category is None:
            return _error("UnknownOperationException", f"{operation} is not implemented")
        bucket = self.buckets.get(category)
        if bucket is not None and not bucket.take():
            self.throttled[operation] += 1
            return _error("TooManyRequestsException", "Too many requests")
        request = json.loads(body or b"{}")
        username = request.get("Username") or request.get("AuthParameters", {}).get("USERNAME")
        if operation == "AdminInitiateAuth":
            password = request["AuthParameters"].get("PASSWORD")
            if username not in self.users or self.users[username] != password:
                return _error("NotAuthorizedException", "Incorrect username or password.")
            return 200, _AUTH_RESULT
        if operation == "AdminCreateUser":
            if username in self.users:
                return _error("UsernameExistsException", "User account already exists")
            self.users[username] = None
            user = {
                "Username": username,
                "Attributes": request.get("UserAttributes", []),
                "UserCreateDate": time.time(),
                "UserLastModifiedDate": time.time(),
                "Enabled": True,
                "UserStatus": "FORCE_CHANGE_PASSWORD",
            }
            return 200, json.dumps({"User": user}).encode()
        if username not in self.users:
            return _error("UserNotFoundException", "User does not exist.")
        if operation == "AdminSetUserPassword":
            self.users[username] = request["Password"]
        elif operation == "AdminDeleteUser":
            del self.users[username]
        return 200, b"{}"

    def control(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if method == "GET" and path == "/_control/stats":
            stats = {
                "calls": dict(self.calls),
                "throttled": dict(self.throttled),
                "cpu_seconds": time.process_time(),
                "users": len(self.users),
            }
            return 200, json.dumps(stats).encode()
        if method == "POST" and path == "/_control/config":
            self.configure(json.loads(body))
            return 200, b"{}"
        if method == "POST" and path == "/_control/users":
            self.users.update(json.loads(body)["users"])
            return 200, b"{}"
        return 404, b'{"message": "not found"}'


def _error(code: str, message: str) -> tuple[int, bytes]:
    return 400, json.dumps({"__type": code, "message": message}).encode()


class _Connection(asyncio.Protocol):
    """HTTP/1.1 keep-alive, one request at a time (botocore does not pipeline)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        if len(self.buffer) < end + 4 + length:
            return
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        method, path = head[0].split(" ")[:2]
        target = headers.get("x-amz-target", "")
        if target.startswith(_TARGET_PREFIX):
            status, payload = self.pool.answer(target[len(_TARGET_PREFIX) :], body)
            delay = self.pool.latency
        else:
            status, payload = self.pool.control(method, path, body)
            delay = 0.0
        self.busy = True
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self._respond, status, payload)
        else:
            self._respond(status, payload)

    def _respond(self, status: int, payload: bytes) -> None:
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        self.transport.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/x-amz-json-1.1\r\n"
            f"x-amzn-requestid: standin\r\ncontent-length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(host: str, port: int) -> None:
    pool = Pool()
    pool.configure({})
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(pool), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
