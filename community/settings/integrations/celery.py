"""Celery on Redis when REDIS_URL is set. Without it (the embedded default) the broker is
kombu's filesystem transport, a folder under EMBEDDED_DIR: `make run` starts a worker with
beat on it beside the web server. Tasks run eagerly in the calling process unless
CELERY_TASK_ALWAYS_EAGER says otherwise (`make run` sets it to false for its web server and
worker, so their tasks go to that worker).

The periodic schedules are rows of django-celery-beat's tables, created by a data migration
(community/migrations/0006_default_periodic_tasks.py) and edited in the admin; beat reads them
from there (docs/decisions.md, "Embedded worker and schedules")."""

from pathlib import Path

import environ

env = environ.Env()
_redis_url = env("REDIS_URL", default="")
# The same default as base.EMBEDDED_DIR (this module cannot import base, which imports it).
_embedded_dir = Path(
    env("EMBEDDED_DIR", default=str(Path(__file__).resolve().parents[3] / "var"))
).resolve()

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_redis_url or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder is both the inbox and the outbox: what the web server writes, the worker
    # reads. Messages are deleted once taken.
    _broker_queue = _embedded_dir / "broker" / "queue"
    _broker_queue.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        data_folder_in=str(_broker_queue),
        data_folder_out=str(_broker_queue),
        control_folder=str(_embedded_dir / "broker" / "control"),
    )
# No result backend: nothing reads task results, and a configured backend makes .delay()
# hang for ~20 s when Redis is down.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# No results, so nothing to clean: without this beat would add a "celery.backend_cleanup"
# periodic task of its own at every start.
CELERY_RESULT_EXPIRES = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not _redis_url)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# The KPI snapshots and the 90-day reports read for minutes on a large community. With
# CELERY_REPORTS_QUEUE=reports they go to a queue of their own, for a worker started with
# `-Q reports` (on its own machine, beside a read replica: docs/deployment.md), so they
# never hold up the minute-by-minute jobs. Left unset they share `default`, and the one
# worker `make run` starts (-Q default,email) runs them.
CELERY_REPORTS_QUEUE = env("CELERY_REPORTS_QUEUE", default="default")
_REPORT_TASKS = (
    "metrics.snapshot_yesterday",
    "plans.report_due",
    "plans.generate_report",
    "demo.metrics_history",
)
# A backlog of mail never delays other work (community.tasks.email_task names). Exact names
# are matched before the patterns.
CELERY_TASK_ROUTES = {
    **{name: {"queue": CELERY_REPORTS_QUEUE} for name in _REPORT_TASKS},
    "*.send_*": {"queue": "email"},
    "*.notify_*": {"queue": "email"},
}
CELERY_TIMEZONE = env("TIME_ZONE", default="UTC")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Empty on purpose. The DatabaseScheduler writes every entry named here over its database row
# at each beat start, which would undo a manager's edits in the admin. The default schedules
# are created by data migrations instead; a new periodic job gets a migration of its own.
CELERY_BEAT_SCHEDULE: dict = {}
