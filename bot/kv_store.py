"""A small key-value store: Redis in production, an in-process dictionary on the embedded default.

Everything shared between processes that may expire lives here: conversation state, the
WeChat access token, nonces, locks and rate-limit buckets. Redis calls have short timeouts:
a slow or absent Redis must never hold a worker past WeChat's 5-second deadline, so every
failure surfaces as StoreUnavailable and the caller decides how to degrade.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from typing import Any, Iterator

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The store did not answer in time."""


class LockNotAcquired(RuntimeError):
    """Another process holds the lock."""


class Store:
    """Interface shared by RedisStore and MemoryStore."""

    def get(self, key: str) -> str | None:
        raise NotImplementedError

    def set(self, key: str, value: str, ttl: float | None = None, only_if_absent: bool = False) -> bool:
        """Store value; with only_if_absent, return False and change nothing if the key exists."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add to a counter; ttl is applied when the counter is created."""
        raise NotImplementedError

    def delete_if_equal(self, key: str, value: str) -> bool:
        """Delete key only when it still holds value (releasing a lock we own)."""
        raise NotImplementedError

    def ping(self) -> bool:
        raise NotImplementedError

    def keys(self, prefix: str) -> list[str]:
        """Every live key starting with prefix (retention sweeps; not for request paths)."""
        raise NotImplementedError

    def get_json(self, key: str) -> Any:
        """Return the decoded JSON value of key, or None."""
        raw = self.get(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store value as JSON."""
        self.set(key, json.dumps(value, ensure_ascii=False), ttl=ttl)

    @contextlib.contextmanager
    def lock(self, name: str, ttl: float = 10.0, wait: float = 0.0) -> Iterator[str]:
        """Hold a lock shared by every process that uses this store; raise LockNotAcquired."""
        token = uuid.uuid4().hex
        key = f"lock:{name}"
        deadline = time.monotonic() + wait
        while not self.set(key, token, ttl=ttl, only_if_absent=True):
            if time.monotonic() >= deadline:
                raise LockNotAcquired(name)
            time.sleep(0.05)
        try:
            yield token
        finally:
            try:
                self.delete_if_equal(key, token)
            except StoreUnavailable:
                log.warning("could not release lock %s; it expires in %ss", name, ttl)


class MemoryStore(Store):
    """In-process store for the embedded default and laptop tests."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._mutex = threading.Lock()

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    def get(self, key: str) -> str | None:
        with self._mutex:
            return self._live(key)

    def set(self, key, value, ttl=None, only_if_absent=False) -> bool:
        with self._mutex:
            if only_if_absent and self._live(key) is not None:
                return False
            self._data[key] = (str(value), time.monotonic() + ttl if ttl else None)
            return True

    def delete(self, key: str) -> None:
        with self._mutex:
            self._data.pop(key, None)

    def incr(self, key, amount=1, ttl=None) -> int:
        with self._mutex:
            current = self._live(key)
            if current is None:
                value, expires = amount, (time.monotonic() + ttl if ttl else None)
            else:
                value, expires = int(current) + amount, self._data[key][1]
            self._data[key] = (str(value), expires)
            return value

    def delete_if_equal(self, key, value) -> bool:
        with self._mutex:
            if self._live(key) == value:
                del self._data[key]
                return True
            return False

    def ping(self) -> bool:
        return True

    def keys(self, prefix: str) -> list[str]:
        with self._mutex:
            return [k for k in list(self._data) if k.startswith(prefix) and self._live(k) is not None]

    def flush(self) -> None:
        """Forget everything (tests)."""
        with self._mutex:
            self._data.clear()


_RELEASE_IF_EQUAL = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_INCR_WITH_TTL = """
local value = redis.call('incrby', KEYS[1], ARGV[1])
if value == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then redis.call('pexpire', KEYS[1], ARGV[2]) end
return value
"""


class RedisStore(Store):
    """Redis-backed store with short timeouts; errors become StoreUnavailable."""

    def __init__(self, url: str, timeout: float = 0.5, prefix: str = "zgzj:") -> None:
        import redis

        self._redis_errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True,
            health_check_interval=30)
        self.prefix = prefix
        self._release = self.client.register_script(_RELEASE_IF_EQUAL)
        self._incr = self.client.register_script(_INCR_WITH_TTL)

    @contextlib.contextmanager
    def _guard(self, operation: str, key: str) -> Iterator[None]:
        try:
            yield
        except self._redis_errors as exc:
            raise StoreUnavailable(f"redis {operation} {key}: {exc}") from exc

    def get(self, key):
        with self._guard("get", key):
            return self.client.get(self.prefix + key)

    def set(self, key, value, ttl=None, only_if_absent=False) -> bool:
        with self._guard("set", key):
            px = int(ttl * 1000) if ttl else None
            return bool(self.client.set(self.prefix + key, value, px=px, nx=only_if_absent))

    def delete(self, key):
        with self._guard("delete", key):
            self.client.delete(self.prefix + key)

    def incr(self, key, amount=1, ttl=None) -> int:
        with self._guard("incr", key):
            return int(self._incr(keys=[self.prefix + key], args=[amount, int((ttl or 0) * 1000)]))

    def delete_if_equal(self, key, value) -> bool:
        with self._guard("release", key):
            return bool(self._release(keys=[self.prefix + key], args=[value]))

    def ping(self) -> bool:
        with self._guard("ping", ""):
            return bool(self.client.ping())

    def keys(self, prefix: str) -> list[str]:
        with self._guard("scan", prefix):
            return [key[len(self.prefix):] for key in self.client.scan_iter(self.prefix + prefix + "*", count=500)]

    def flush(self) -> None:
        """Delete every key under our prefix (tests)."""
        with self._guard("flush", self.prefix):
            for key in self.client.scan_iter(self.prefix + "*", count=500):
                self.client.delete(key)


def make_store(redis_url: str | None, timeout: float = 0.5, prefix: str = "zgzj:") -> Store:
    """Return a RedisStore when a URL is configured, else an in-process MemoryStore."""
    if redis_url:
        return RedisStore(redis_url, timeout=timeout, prefix=prefix)
    return MemoryStore()
