import importlib
import os

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.core.cache import cache

from members.services.visits import member_visits_forget_recorded_here
from tests.members.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth's rate-limit counters and the branding snapshot live in the cache; without
    this a 429 or an old community name leaks from one test into the next."""
    cache.clear()
    member_visits_forget_recorded_here()
    yield
    cache.clear()


@pytest.fixture
def migration_data(transactional_db):
    """Transactional tests (live server, real worker) end with a flush that also removes
    what data migrations created; this puts the roles and the branding row back first."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    importlib.import_module("members.migrations.0002_roles").grant_role_permissions(apps)
    importlib.import_module(
        "members.migrations.0004_profiles_and_role_permissions"
    ).grant_role_permissions(apps)
    for migration in ("0002_role_permissions", "0006_manager_permissions_for_tags_and_logs"):
        importlib.import_module(f"forums.migrations.{migration}").grant_role_permissions(apps)
    importlib.import_module("library.migrations.0002_role_permissions").grant_role_permissions(apps)
    importlib.import_module("library.migrations.0004_curation_permissions").grant_role_permissions(
        apps
    )
    importlib.import_module("polls.migrations.0002_role_permissions").grant_role_permissions(apps)
    feedback = importlib.import_module("metrics.migrations.0003_answer_feedback")
    feedback.grant_role_permissions(apps)
    feedback.create_settings_row(apps, None)
    importlib.import_module("metrics.migrations.0005_role_permissions").grant_role_permissions(apps)
    importlib.import_module("community.migrations.0002_default_branding").create_default_branding(
        apps, None
    )
    importlib.import_module(
        "community.migrations.0006_default_periodic_tasks"
    ).create_default_periodic_tasks(apps, None)
    importlib.import_module("metrics.migrations.0002_nightly_snapshot_task").create_task(apps, None)
    plans = importlib.import_module("plans.migrations.0002_schedule_and_roles")
    plans.grant_role_permissions(apps)
    plans.create_task(apps)
    plans.create_settings_row(apps)


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def client_as_member(client, member):
    client.force_login(member)
    return client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (HEARTH_NO_SKIPS=1) nothing may be skipped: a missing browser or Redis there is
    a broken machine, not a reason to pass."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("HEARTH_NO_SKIPS"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but HEARTH_NO_SKIPS is set: {reason}"
