"""Django's PostgreSQL backend, pinging a persistent connection only when it has not
answered lately.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request that
reuses a connection. On a busy worker that is one more round trip for each page (a topic
page makes one to three queries of its own), and under load it cost the topic page 5-15 %
of its throughput. A connection that ran a request's queries without error less than
RECENTLY_ANSWERED_SECONDS ago is trusted instead; an idle one is pinged as before. If the
server goes away within that second, the request that finds out fails as it would without
health checks, and Django drops the connection at the end of it."""

import time

from django.db.backends.postgresql import base

RECENTLY_ANSWERED_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    answered_at: float | None = None

    def close_if_unusable_or_obsolete(self):
        # Runs as each request starts and ends. `health_check_done` still says whether the
        # connection was taken into use since the last run; with no error since, it answered.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.answered_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.health_check_done
            and self.answered_at is not None
            and time.monotonic() - self.answered_at < RECENTLY_ANSWERED_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
