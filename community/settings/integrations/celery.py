"""Celery on Redis when REDIS_URL is set; otherwise tasks run eagerly in the web process."""

import environ
from celery.schedules import crontab

env = environ.Env()
_redis_url = env("REDIS_URL", default="")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_redis_url or "memory://")
# No result backend: nothing reads task results, and a configured backend makes .delay()
# hang for ~20 s when Redis is down.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not _redis_url)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# A backlog of mail never delays other work (community.tasks.email_task names).
CELERY_TASK_ROUTES = {
    "*.send_*": {"queue": "email"},
    "*.notify_*": {"queue": "email"},
}
CELERY_TIMEZONE = env("TIME_ZONE", default="UTC")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # 02:30 nightly, after the day's visits are in: one UPDATE over all members for trust
    # levels, one for the directory's "most helpful" scores (members.services.trust).
    "members-recompute-trust-levels": {
        "task": "members.recompute_trust_levels",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # Sunday 03:30, a quiet hour: object permissions left behind by deleted objects.
    "community-clean-orphan-permissions": {
        "task": "community.clean_orphan_permissions",
        "schedule": crontab(hour=3, minute=30, day_of_week=0),
        "options": {"expires": 6 * 60 * 60},
    },
    # Topic views and read positions are counted in the cache; this writes them in bulk.
    "forums-flush-views-and-reads": {
        "task": "forums.flush_views_and_reads",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "forums-send-bookmark-reminders": {
        "task": "forums.send_bookmark_reminders",
        "schedule": 5 * 60.0,
        "options": {"expires": 4 * 60},
    },
    # 04:15 nightly: images uploaded and never posted (forums.services.uploads).
    "forums-purge-unused-images": {
        "task": "forums.purge_unused_images",
        "schedule": crontab(hour=4, minute=15),
        "options": {"expires": 6 * 60 * 60},
    },
    # Digests at 07:00: daily every day, weekly on Mondays (the task decides who is due).
    "forums-send-digests": {
        "task": "forums.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
}
