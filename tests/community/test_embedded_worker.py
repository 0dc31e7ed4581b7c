"""The embedded default (no Redis, SQLite) runs its periodic jobs on real parts: a topic
viewed through the web server shows the view in the database once the worker's beat has run
the flush. Everything runs as `make run` runs it, in processes of its own with their own
database, cache and broker under tmp_path, whatever the suite itself runs on."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

# Creates the database, a public topic, and edits the flush's schedule to every second as a
# manager would in the admin (views are counted per second in these settings).
_PREPARE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from tests.forums.factories import TopicFactory
flush = PeriodicTask.objects.get(name="forums-flush-views-and-reads")
flush.interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
flush.save()
topic = TopicFactory()
print(topic.pk, topic.get_absolute_url())
"""

# As `make run` starts it without REDIS_URL (the Makefile's WORKER_ARGS and --pool solo).
_WORKER_ARGS = ["worker", "--beat", "--scheduler", "django", "--pidfile=", "-Q", "default,email"]
_WORKER_ARGS += ["--pool", "solo", "--loglevel", "INFO"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _view_count(database: Path, topic_id: int) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(
            "SELECT view_count FROM forums_topic WHERE id = ?", [topic_id]
        ).fetchone()
    return count


def _wait_for(check, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def embedded_environ(tmp_path):
    unset = ("REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    return {
        **environ,
        "DJANGO_SETTINGS_MODULE": "tests.community.embedded_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMBEDDED_DIR": str(tmp_path),
        # As `make run` sets it for its web server and worker.
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }


def test_a_view_through_the_web_server_is_flushed_by_the_worker(tmp_path, embedded_environ):
    base_dir = Path(settings.BASE_DIR)
    prepared = subprocess.run(
        [sys.executable, "-c", _PREPARE],
        cwd=base_dir,
        env=embedded_environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert prepared.returncode == 0, prepared.stderr
    topic_id, topic_path = prepared.stdout.split()[-2:]
    topic_id = int(topic_id)

    port = _free_port()
    log = tmp_path / "worker.log"
    output = (tmp_path / "worker.out").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "community", *_WORKER_ARGS, "--logfile", str(log)],
        cwd=base_dir,
        env=embedded_environ,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=base_dir,
        env=embedded_environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def get_topic():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{topic_path}") as response:
                    return response.status
            except OSError:
                return None

        assert _wait_for(get_topic, seconds=30, what="the web server") == 200
        # Counted in the shared cache by the web server; written by the worker's flush.
        try:
            _wait_for(
                lambda: _view_count(tmp_path / "db.sqlite3", topic_id) == 1,
                seconds=30,
                what="the worker to flush the view",
            )
        finally:
            for path in (log, tmp_path / "worker.out"):
                print(f"--- {path.name}\n{path.read_text()[-3000:] if path.exists() else ''}")
        assert "forums.flush_views_and_reads" in log.read_text()
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()
