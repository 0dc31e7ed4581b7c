"""`make run` serves where it is told (PORT, HOST), and links in its e-mails go there too; a
Celery worker with beat runs beside it, on the embedded broker without REDIS_URL."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def checkout(tmp_path):
    """The Makefile with stand-ins for the virtualenv's programs that print SITE_URL."""
    shutil.copy(Path(settings.BASE_DIR) / "Makefile", tmp_path)
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "requirements.lock").touch()
    (tmp_path / "bin").mkdir()
    for program in ("python", "pip", "celery"):
        stub = tmp_path / "bin" / program
        stub.write_text(
            f'#!/bin/sh\necho "{program} $*: SITE_URL=${{SITE_URL-unset}}"\n'
            f'echo "{program} env: EAGER=${{CELERY_TASK_ALWAYS_EAGER-unset}}'
            f' EMBEDDED_DIR=${{EMBEDDED_DIR-unset}}"\n'
        )
        stub.chmod(0o755)
    return tmp_path


def _make(checkout, *args, **environ):
    unset = ("SITE_URL", "REDIS_URL", "MAKEFLAGS", "CELERY_TASK_ALWAYS_EAGER", "EMBEDDED_DIR")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        ["make", "-s", "run", f"VENV={checkout}", f"BIN={checkout}/bin", *args],
        cwd=checkout,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def _make_run(checkout, *args, **environ):
    output = _make(checkout, *args, **environ)
    (line,) = [line for line in output.splitlines() if "runserver" in line]
    return line


def test_make_run_on_another_port_links_e_mails_to_that_port(checkout):
    assert _make_run(checkout, "PORT=8123") == (
        "python manage.py runserver 127.0.0.1:8123: SITE_URL=http://127.0.0.1:8123"
    )


def test_a_site_url_the_person_set_is_kept(checkout):
    line = _make_run(checkout, "PORT=8123", SITE_URL="https://community.example")
    assert line.endswith("SITE_URL=https://community.example")
    line = _make_run(checkout, "PORT=8123", "SITE_URL=https://cli.example")
    assert line.endswith("SITE_URL=https://cli.example")

    # In .env, the settings read it: make must not hide it behind an environment variable.
    (checkout / ".env").write_text("SITE_URL=https://dotenv.example\n")
    assert _make_run(checkout, "PORT=8123").endswith("SITE_URL=unset")


def _worker_log(checkout) -> list[str]:
    """The worker runs in the background with its output in var/worker.log: wait for it."""
    log = checkout / "var" / "worker.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= 2:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"no worker output in {log}")


def test_without_redis_a_worker_with_beat_runs_on_the_embedded_broker(checkout):
    output = _make(checkout, "PORT=8123")
    assert "its output goes to var/worker.log" in output
    # The web server queues tasks for that worker instead of running them itself.
    assert "python env: EAGER=false EMBEDDED_DIR=var" in output
    worker = _worker_log(checkout)
    assert worker[0].startswith("celery -A community worker --beat --scheduler django ")
    assert "--logfile var/worker.log" in worker[0]
    assert worker[1] == "celery env: EAGER=false EMBEDDED_DIR=var"


def test_tasks_stay_in_the_web_process_when_asked(checkout):
    output = _make(checkout, "PORT=8123", CELERY_TASK_ALWAYS_EAGER="true")
    assert "python env: EAGER=true EMBEDDED_DIR=var" in output
    # The worker still runs the periodic jobs.
    assert "celery env: EAGER=false EMBEDDED_DIR=var" in _worker_log(checkout)


def test_with_redis_the_worker_runs_on_redis(checkout):
    output = _make(checkout, "PORT=8123", REDIS_URL="redis://127.0.0.1:6379/5")
    assert "REDIS_URL is set: starting a Celery worker" in output
    assert "celery -A community worker --beat --scheduler django " in output
    assert "python env: EAGER=unset EMBEDDED_DIR=unset" in output
    assert not (checkout / "var").exists()
