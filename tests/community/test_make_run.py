"""`make run` serves where it is told (PORT, HOST), and links in its e-mails go there too."""

import os
import shutil
import subprocess
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
        stub.write_text(f'#!/bin/sh\necho "{program} $*: SITE_URL=${{SITE_URL-unset}}"\n')
        stub.chmod(0o755)
    return tmp_path


def _make_run(checkout, *args, **environ):
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "REDIS_URL", "MAKEFLAGS")}
    result = subprocess.run(
        ["make", "-s", "run", f"VENV={checkout}", f"BIN={checkout}/bin", *args],
        cwd=checkout,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (line,) = [line for line in result.stdout.splitlines() if "runserver" in line]
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
