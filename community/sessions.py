"""Django's cached_db sessions, reading the session from the request's prefetched cache
entries when there are some (community.middleware.CommonReadsMiddleware fetches it with the
branding, in one round trip: every page a member opens reads both)."""

from django.contrib.sessions.backends import cached_db

from community.per_request import cache_get_many_prefetched


class SessionStore(cached_db.SessionStore):
    def load(self):
        key = self.cache_key
        data = cache_get_many_prefetched([key]).get(key)
        if data is None:
            return super().load()  # from the database, then kept in the cache again
        return data
