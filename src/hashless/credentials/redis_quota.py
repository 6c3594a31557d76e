"""One Cognito budget for every worker on every host, kept in Redis.

Cognito's quotas are per AWS account and Region, so hosts behind one load balancer
must share them. ``RedisTokenBuckets`` keeps one token bucket per quota category in
Redis and takes or gives back a token in one server-side Lua script, which Redis
runs atomically; the script reads Redis' own clock (``TIME``), so the hosts' clocks
never need to agree.

Every script also stamps this host in a sorted set of hosts seen drawing within the
last ``HOST_WINDOW`` seconds and returns how many there are. When Redis is slow or
down (a short socket timeout, any Redis error), the calls go to the host's own
memory-mapped file buckets at ``rate / hosts last seen``: the share that keeps the
fleet that was running under the quota. A fixed fraction would either waste most
of the quota (small fleets) or overshoot it (large ones); the count the fleet last
reported is the best estimate there is. A process that never reached Redis assumes
two hosts, the smallest fleet that needs a shared budget at all. A Redis failure
alone therefore never refuses a login: at worst it shrinks this host's share.
Meanwhile a thread tries Redis every ``RETRY_SECONDS``, so only the call that found
Redis out of reach waited for it; the fallback and the recovery are logged once each.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hashless.credentials.shaping import (
    DEFAULT_BURST_SECONDS,
    QuotaCategory,
    SharedTokenBuckets,
)
from hashless.errors import ConfigurationError

__all__ = ["HOST_WINDOW", "RETRY_SECONDS", "RedisTokenBuckets", "connect", "host_identity"]

log = logging.getLogger("hashless.quota")

HOST_WINDOW = 60.0
"""Seconds a host counts as live after its last draw from the shared buckets."""
RETRY_SECONDS = 1.0
"""How often a process whose Redis failed tries it again (in a thread of its own)."""
_ASSUMED_HOSTS = 2

# KEYS[1] the bucket hash, KEYS[2] the hosts' sorted set.
# ARGV: rate, capacity, host id, host window (s), op ("reserve", "refund", "peek"), max wait.
# Returns {answer, live hosts}: reserve answers the wait in microseconds, or minus the
# microseconds until a token is there (no room now); peek answers the latter, refund 0.
_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local rate, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[2], math.ceil(tonumber(ARGV[4])) * 2)
local hosts = redis.call('ZCARD', KEYS[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(state[1]), tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = capacity
elseif now > stamp then
  tokens = math.min(capacity, tokens + (now - stamp) * rate)
end
local answer = 0
local op = ARGV[5]
if op == 'reserve' then
  local wait = 0
  if tokens < 1 then wait = (1 - tokens) / rate end
  if wait > tonumber(ARGV[6]) then
    answer = -math.ceil(wait * 1000000)
  else
    tokens = tokens - 1
    answer = math.ceil(wait * 1000000)
  end
elseif op == 'refund' then
  tokens = math.min(capacity, tokens + 1)
elseif tokens < 1 then
  answer = math.ceil((1 - tokens) / rate * 1000000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return {answer, hosts}
"""


class RedisTokenBuckets:
    """The ``TokenBuckets`` of ``SharedTokenBuckets``, shared through Redis by every host.

    ``fallback(divisor)`` opens this host's file buckets at the rates divided by
    ``divisor``; it is called when Redis first fails with the number of hosts last seen.
    ``on_state(shared, hosts)`` hears of every change of backend or host count (metrics).
    """

    scope = "across hosts"

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        host_id: str,
        rates: Mapping[QuotaCategory, float],
        fallback: Callable[[int], SharedTokenBuckets],
        *,
        burst_seconds: float = DEFAULT_BURST_SECONDS,
        on_state: Callable[[bool, int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst_seconds <= 0:
            raise ConfigurationError("the quota burst must be a positive number of seconds")
        self._rates = {category: rate for category, rate in rates.items() if rate > 0}
        self._capacity = {c: max(1.0, r * burst_seconds) for c, r in self._rates.items()}
        self._client = client
        self._script = client.register_script(_SCRIPT)
        # One hash tag, so that on a Redis Cluster every key of a script is on one node.
        self._key = f"{{{key}}}"
        self._hosts_key = f"{self._key}:hosts"
        self._host_id = host_id
        self._make_fallback = fallback
        self._fallbacks: dict[int, SharedTokenBuckets] = {}
        self._on_state = on_state
        self._clock = clock
        self._lock = threading.Lock()
        self._refusal = threading.local()
        self._hosts: int | None = None
        self._down_since: float | None = None
        self._closed = False

    def rate(self, category: QuotaCategory) -> float | None:
        return self._rates.get(category)

    @property
    def shared(self) -> bool:
        """False while the calls go to this host's fallback share."""
        return self._down_since is None

    def reserve(self, category: QuotaCategory, max_wait: float) -> float | None:
        if category not in self._rates:
            return 0.0
        answer = self._run(category, "reserve", max_wait)
        if answer is None:
            return self._fallback().reserve(category, max_wait)
        if answer < 0:
            # QuotaShapedStore asks for the Retry-After next, in this thread: no second trip.
            self._refusal.last = (category, -answer)
            return None
        return answer / 1_000_000

    def refund(self, category: QuotaCategory) -> None:
        if category not in self._rates:
            return
        if self._run(category, "refund", 0.0) is None:
            self._fallback().refund(category)

    def retry_after(self, category: QuotaCategory) -> int:
        if category not in self._rates:
            return 1
        last = getattr(self._refusal, "last", None)
        self._refusal.last = None
        answer = last[1] if last is not None and last[0] is category else None
        if answer is None:
            answer = self._run(category, "peek", 0.0)
        if answer is None:
            return self._fallback().retry_after(category)
        return max(1, math.ceil(answer / 1_000_000))

    def close(self) -> None:
        self._closed = True
        for buckets in self._fallbacks.values():
            buckets.close()
        self._client.close()

    def _run(self, category: QuotaCategory, op: str, max_wait: float) -> int | None:
        """The script's answer, or None if Redis is (or was just found) out of reach."""
        if self._down_since is not None:
            return None
        rate = self._rates[category]
        try:
            answer: Any = self._script(
                keys=[f"{self._key}:{category.value}", self._hosts_key],
                args=[rate, self._capacity[category], self._host_id, HOST_WINDOW, op, max_wait],
            )
            result, hosts = int(answer[0]), int(answer[1])
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if hosts != self._hosts:
            self._hosts = hosts
            self._notify()
        return result

    def _failed(self, exc: redis.RedisError) -> None:
        with self._lock:
            if self._down_since is not None or self._closed:
                return
            self._down_since = self._clock()
            hosts = self._hosts or _ASSUMED_HOSTS
        log.warning(
            "quota: Redis out of reach (%s): this host now holds Cognito calls to 1/%d of "
            "the configured rates in its own buckets until Redis answers again",
            type(exc).__name__,
            hosts,
        )
        self._notify()
        threading.Thread(target=self._probe, name="hashless-quota-probe", daemon=True).start()

    def _probe(self) -> None:
        """Try Redis every ``RETRY_SECONDS`` until it answers, in a thread of its own: no
        login waits on a Redis that is known to be out of reach. The try is the script
        itself (a look at a bucket), so a Redis that answers PING but cannot run it (a
        read-only replica, out of memory) stays out."""
        category = next(iter(self._rates))
        keys = [f"{self._key}:{category.value}", self._hosts_key]
        args: list[str | float] = [
            self._rates[category],
            self._capacity[category],
            self._host_id,
            HOST_WINDOW,
            "peek",
            0.0,
        ]
        while not self._closed:
            time.sleep(RETRY_SECONDS)
            try:
                self._script(keys=keys, args=args)
            except redis.RedisError:
                continue
            with self._lock:
                down_for = self._clock() - (self._down_since or self._clock())
                self._down_since = None
            log.warning(
                "quota: Redis answers again after %.1f s: the hosts share one Cognito budget",
                down_for,
            )
            self._notify()
            return

    def _notify(self) -> None:
        if self._on_state is not None:
            self._on_state(self.shared, self._hosts or _ASSUMED_HOSTS)

    def _fallback(self) -> SharedTokenBuckets:
        divisor = max(1, self._hosts or _ASSUMED_HOSTS)
        with self._lock:
            buckets = self._fallbacks.get(divisor)
            if buckets is None:
                buckets = self._fallbacks[divisor] = self._make_fallback(divisor)
        return buckets


def connect(url: str, *, timeout: float = 0.2) -> redis.Redis:
    """A client that gives up quickly: a login waits at most ``timeout`` (twice, to
    connect and to answer) on a Redis that is slow or gone, then uses the fallback.

    Redis answers in well under a millisecond; 0.2 s leaves room for a busy host's
    scheduler (0.05 s fell back spuriously on a 2-core machine at load 10), and only
    one login per process per ``RETRY_SECONDS`` pays it while Redis is out of reach."""
    try:
        return redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # redis-py retries ten times with backoff by default: seconds, not a login's.
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError:
        # The message may repeat the URL, and with it a password.
        raise ConfigurationError(
            "HASHLESS_QUOTA_REDIS_URL is not a Redis URL: give redis://host:6379/0 "
            "(rediss:// for TLS, unix:///path for a socket)"
        ) from None


def host_identity(fallback_file: Path) -> str:
    """This host in the hosts' set: the machine, and the file its workers share, which
    is what makes them one host for the fallback share."""
    return f"{socket.gethostname()}:{fallback_file}"
