"""Hearth's cache backends: Django's Redis cache without a new redis-py client object for
every operation (production), and a file cache two processes can share (the embedded
default, SharedFileCache below).

Django's RedisCacheClient.get_client builds `redis.Redis(connection_pool=pool)` on each
call, and redis-py fills some 170 response callbacks into every new client: on a topic page
that does nine cache operations this was the most expensive Python left in the request. The
client is a thin, thread-safe wrapper around its pool, so one per pool is kept and reused.

`incr` is one atomic script instead of Django's EXISTS then INCRBY: one round trip (topic
views are counted on every page view), and a key that expires between the two can no longer
be re-created by INCRBY without its timeout.

`get_client` and `_get_connection_pool` are not public API: this is kept because it pays
(docs/performance.md, "Fast paths on private internals"); BENCH_CACHE_BACKEND=django
(bench/forums_settings.py) measures Django's own client again."""

import fcntl
import os
import pickle
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._incr_scripts = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta=1):
        client = self.get_client(key, write=True)
        script = self._incr_scripts.get(id(client))
        if script is None:
            script = self._incr_scripts[id(client)] = client.register_script(_INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class HearthRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class SharedFileCache(FileBasedCache):
    """Django's file cache, shared by the web server and the Celery worker of the embedded
    default (no Redis): topic views are counted in the web process and flushed by the worker
    (forums.services.reading), so both must see the same counters.

    Django's FileBasedCache makes `incr` a get then a set and `add` a check then a set: two
    processes (or two runserver threads) counting the same topic at once would lose a view,
    and `incr` would also reset the key's timeout to the default. Here both run under an
    exclusive lock on a file beside the entries (flock: one holder across processes and
    threads), and `incr` keeps the entry's expiry. Reading the expiry relies on the file
    layout FileBasedCache writes (a pickled expiry, then the compressed pickled value)."""

    @contextmanager
    def _locked(self):
        self._createdir()
        with open(os.path.join(self._dir, "counters.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._locked():
            try:
                with open(self._key_to_file(key, version), "rb") as f:
                    # The cache's own files, read as FileBasedCache.get reads them.
                    expiry = pickle.load(f)  # noqa: S301
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                expiry, value = 0, None
            now = time.time()
            if value is None or (expiry is not None and expiry < now):
                raise ValueError(f"Key '{key}' not found.")
            value += delta
            timeout = None if expiry is None else max(expiry - now, 0.001)
            self.set(key, value, timeout, version)
            return value
