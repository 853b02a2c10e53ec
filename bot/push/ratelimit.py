"""One sending rate shared by every worker: a token bucket in Redis, or in-process on the embedded default.

WeChat limits how fast an account may call its message APIs, whatever number of workers
share the work, so the bucket lives in Redis and is updated atomically by a Lua script
that reads Redis's own clock (workers on other machines may disagree on the time). To keep
Redis calls far below one per message, each process takes a small handful of tokens at a
time and spends them at once.
"""
from __future__ import annotations

import threading
import time

from bot.kv_store import RedisStore, Store

# KEYS[1] bucket; ARGV rate per second, burst, tokens wanted. Returns {granted, ms until the next token}.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then tokens = burst; at = now end
if now > at then tokens = math.min(burst, tokens + (now - at) * rate) end
local granted = math.min(want, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
local wait_ms = 0
if tokens < 1 then wait_ms = math.ceil((1 - tokens) / rate * 1000) end
return {granted, wait_ms}
"""


class TokenBucket:
    """Hand out send permits at `rate` per second (with `burst` at once) across every process."""

    def __init__(self, store: Store, name: str, rate: float, burst: int = 0) -> None:
        self.rate = float(rate)
        self.burst = max(1, int(burst) if burst else int(round(self.rate)) or 1)
        self.key = f"push:ratelimit:{name}"
        # Tokens are taken in handfuls of about 50 ms of sending so Redis sees ~20 calls a second.
        self.handful = max(1, min(self.burst, int(self.rate / 20) or 1))
        self._store = store
        self._local = 0
        self._mutex = threading.Lock()
        if isinstance(store, RedisStore):
            self._script = store.client.register_script(_TAKE)
            self._redis_key = store.prefix + self.key
        else:
            self._script = None
            # Every bucket of this name in this process shares one state, as they would in Redis.
            with _LOCAL_MUTEX:
                self._state = _LOCAL_BUCKETS.setdefault((id(store), self.key), _LocalState(self.burst))

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait for one permit; return False if timeout passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._mutex:
                if self._local > 0:
                    self._local -= 1
                    return True
                granted, wait = self._take(self.handful)
                if granted > 0:
                    self._local = granted - 1
                    return True
            # Sleep outside the mutex so other threads can use tokens another thread took.
            if deadline is not None and time.monotonic() + wait > deadline:
                return False
            time.sleep(max(wait, 0.001))

    def _take(self, want: int) -> tuple[int, float]:
        if self._script is not None:
            granted, wait_ms = self._script(keys=[self._redis_key], args=[self.rate, self.burst, want])
            return int(granted), int(wait_ms) / 1000.0
        state = self._state
        with state.mutex:
            now = time.monotonic()
            state.tokens = min(self.burst, state.tokens + (now - state.at) * self.rate)
            state.at = now
            granted = min(want, int(state.tokens))
            state.tokens -= granted
            wait = 0.0 if state.tokens >= 1 else (1 - state.tokens) / self.rate
            return granted, wait


class _LocalState:
    """The in-process bucket (embedded default: one process does all the sending)."""

    def __init__(self, burst: int) -> None:
        self.tokens = float(burst)
        self.at = time.monotonic()
        self.mutex = threading.Lock()


_LOCAL_BUCKETS: dict[tuple[int, str], _LocalState] = {}
_LOCAL_MUTEX = threading.Lock()


def bucket_for(runtime) -> TokenBucket:
    """The shared bucket of the service account's message APIs, per the configured rate."""
    config = runtime.config
    return TokenBucket(runtime.store, f"messages:{config.wechat_app_id}", config.push_rate_per_second,
                       config.push_rate_burst)
