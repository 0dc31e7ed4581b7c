import os

import pytest

from forums.services import limits

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls
# from it (SynchronousOnlyOperation) without this. Django reads it on every call.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    """Without Chromium the journeys are skipped with the reason printed (in CI, where
    HEARTH_NO_SKIPS is set, tests/conftest.py turns that skip into a failure)."""
    if os.path.exists(CHROMIUM) or not any("e2e" in item.nodeid for item in items):
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    print(f"\nSkipping browser journeys: {reason}")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never `playwright install`; keeps pytest-playwright's own values
    so --headed and --slowmo still work."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(autouse=True)
def _site_url(settings, live_server):
    """E-mails link to SITE_URL; in a journey that is the live server, as under `make run`."""
    settings.SITE_URL = live_server.url


@pytest.fixture
def screenshot_dir():
    path = os.path.join(os.path.dirname(__file__), "..", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _migration_data(migration_data):
    """Every journey starts with the roles and branding that migrations create."""


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    """A journey posts faster than a person; the 5-second spacing is tested on its own."""
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())
