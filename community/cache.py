"""Django's Redis cache, without a new redis-py client object for every operation.

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
