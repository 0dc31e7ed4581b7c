import os
import subprocess
import sys

from django.conf import settings
from django.core.management.utils import get_random_secret_key

PRODUCTION = "community.settings.production"


def _manage(*args, **env_overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' own setting, never a deployment's.
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    # DEBUG=1 in the environment must not switch production into debug mode.
    env.update(DJANGO_SETTINGS_MODULE=PRODUCTION, DEBUG="1", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_profile_passes_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=get_random_secret_key(),
        ALLOWED_HOSTS="community.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_profile_without_secret_key_stops_with_a_clear_error():
    result = _manage("check", ALLOWED_HOSTS="community.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_profile_refuses_the_development_key():
    result = _manage(
        "check",
        SECRET_KEY="django-insecure-hearth-local-development-key-not-for-production",
        ALLOWED_HOSTS="community.example.com",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_profile_without_allowed_hosts_stops_with_a_clear_error():
    result = _manage("check", SECRET_KEY=get_random_secret_key())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr
