"""The welcome e-mail travels through a real Redis broker to a real Celery worker.

Most tests run tasks eagerly; this one is about the queue itself, so it turns eager mode
off, signs a member up through the web view, and waits for the worker to deliver."""

import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connections

from community.celery import app as celery_app
from members.models import User


def _redis_unreachable_reason() -> str | None:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set: no broker to run a real worker against"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} is not reachable ({exc})"
    return None


@pytest.fixture
def redis_worker():
    reason = _redis_unreachable_reason()
    if reason:
        print(f"SKIPPED real-worker test: {reason}")
        pytest.skip(reason)
    queue = f"test-email-{uuid.uuid4().hex[:8]}"  # never shared with a developer's worker
    saved = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "task_routes": celery_app.conf.task_routes,
    }
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_routes = {"members.send_welcome_email": {"queue": queue}}

    def close_worker_connections(**kwargs):
        connections.close_all()  # runs in the worker thread: the test database can be dropped

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", concurrency=1, queues=[queue], perform_ping_check=False
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)
        celery_app.conf.update(saved)


def test_welcome_email_is_sent_by_a_real_worker_through_redis(client, migration_data, redis_worker):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "quinn@example.org",
            "username": "quinn",
            "password1": "a-Long-enough-pass-42",
            "password2": "a-Long-enough-pass-42",
        },
    )
    assert response.status_code == 302

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        welcome = [m for m in mail.outbox if m.subject.startswith("Welcome to")]
        if welcome:
            break
        time.sleep(0.1)
    assert [m.to for m in welcome] == [["quinn@example.org"]]
    assert User.objects.get(username="quinn").welcome_email_sent_at is not None
