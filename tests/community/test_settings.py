import os
import subprocess
import sys

from django.conf import settings
from django.core.management.utils import get_random_secret_key

PRODUCTION = "community.settings.production"


DEPLOYMENT = {
    "SECRET_KEY": get_random_secret_key(),
    "ALLOWED_HOSTS": "community.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://hearth:secret@smtp.example.com:587",
}


def _manage(*args, **env_overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' own setting, never a deployment's.
    dropped = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "REDIS_URL",
        "EMAIL_URL",
        "ACCOUNT_EMAIL_VERIFICATION",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    # DEBUG=1 in the environment must not switch production into debug mode.
    env.update(DJANGO_SETTINGS_MODULE=PRODUCTION, DEBUG="1")
    # None leaves a variable out of the environment altogether.
    env.update({key: value for key, value in env_overrides.items() if value is not None})
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
        **DEPLOYMENT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_secret_key_starting_with_a_dollar_sign_is_taken_as_given():
    # Django's generator (which the error below recommends) makes such keys one time in 50.
    key = "$" + get_random_secret_key()
    result = _manage("check", **{**DEPLOYMENT, "SECRET_KEY": key})
    assert result.returncode == 0, result.stdout + result.stderr


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


def test_production_profile_without_redis_stops_with_a_clear_error():
    result = _manage("check", **{**DEPLOYMENT, "REDIS_URL": None})
    assert result.returncode != 0
    assert "REDIS_URL must point at the Redis" in result.stderr


def test_production_profile_without_a_mail_server_stops_with_a_clear_error():
    result = _manage("check", **{**DEPLOYMENT, "EMAIL_URL": None})
    assert result.returncode != 0
    assert "EMAIL_URL must name the mail server" in result.stderr


def test_production_profile_always_verifies_email_addresses():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ACCOUNT_EMAIL_VERIFICATION)",
        ACCOUNT_EMAIL_VERIFICATION="none",
        **DEPLOYMENT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "mandatory"
