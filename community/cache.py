"""Django's Redis cache, without a new redis-py client object for every operation.

Django's RedisCacheClient.get_client builds `redis.Redis(connection_pool=pool)` on each
call, and redis-py fills some 170 response callbacks into every new client: on a topic page
that does nine cache operations this was the most expensive Python left in the request. The
client is a thin, thread-safe wrapper around its pool, so one per pool is kept and reused."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class HearthRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
