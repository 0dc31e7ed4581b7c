"""Screenshots of the demo community, as each kind of person sees it (`make screenshots`).

Seeds a fresh demo community into a temporary SQLite database (the same `seed_demo` that
`make run` uses, with a fixed seed so the pictures only change when the code does), serves
it with `runserver`, and drives Chromium through it as a visitor, a member, a moderator, a
community manager and an executive, at desktop (1280 px) and phone (390 px) width. The
pictures go to docs/screenshots/ (or the directory given), where README.md shows them.

    python -m demo.screenshots [--out docs/screenshots] [--only home-visitor,topic]

`--only report-pdf-page` draws just the published plan's PDF pages. Needs Playwright (a
development dependency), Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and poppler's
pdftoppm for the PDF pages; nothing is fetched from the network."""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# What the pictures need to know about the seeded data, read after seeding.
FACTS_SCRIPT = """
import json
from django.urls import reverse
from demo.members import DEMO_ACCOUNTS, DEMO_PASSWORD
from forums.models import Category, CategoryAccess, Topic
from library.models import LibraryAccess, Resource, ResourceKind
from members.models import GroupProfile
from plans.models import PlanReport, ReportStatus
from polls.models import Poll, PollKind

public = Topic.objects.filter(category__access=CategoryAccess.PUBLIC, is_hidden=False)
solved = public.filter(accepted_answer__isnull=False).order_by("-reply_count").first()
busy = public.filter(accepted_answer__isnull=True).order_by("-reply_count").first()
group = GroupProfile.objects.filter(slug="beta-program").first() or GroupProfile.objects.first()
category = Category.objects.filter(slug="product-qa").first() or Category.objects.first()
ranked = Poll.objects.filter(kind=PollKind.RANKED).first() or Poll.objects.first()
open_poll = Poll.objects.filter(is_closed=False, is_anonymous=False).exclude(
    topic__category__access=CategoryAccess.PRIVATE
).order_by("pk").first()
guide = Resource.objects.filter(kind=ResourceKind.FILE, access=LibraryAccess.PUBLIC).order_by(
    "pk"
).first()
report = PlanReport.objects.filter(status=ReportStatus.PUBLISHED).order_by("-period_start").first()
draft = PlanReport.objects.filter(status=ReportStatus.DRAFT).order_by("-period_start").first()
print(json.dumps({
    "password": DEMO_PASSWORD,
    "accounts": {a.username: a.email for a in DEMO_ACCOUNTS},
    "topic": (busy or solved).get_absolute_url(),
    "solved": (solved or busy).get_absolute_url(),
    "group": reverse("groups:detail", args=[group.slug]) if group else reverse("groups:list"),
    "new_topic": reverse("forums:topic-create", args=[category.slug]),
    "poll": ranked.get_absolute_url() if ranked else "/polls/",
    "poll_topic": open_poll.topic.get_absolute_url() if open_poll else "/polls/",
    "resource": guide.get_absolute_url() if guide else "/library/",
    "poll_breakdown": (
        reverse("admin:polls_poll_breakdown", args=[open_poll.pk]) + "?dimension=trust_level"
        if open_poll
        else "/admin/"
    ),
    "report": reverse("plans:detail", args=[report.pk]) if report else "/reports/",
    "report_pdf": reverse("plans:pdf", args=[report.pk]) if report else "",
    "report_draft": (
        reverse("admin:plans_planreport_change", args=[draft.pk]) if draft else "/admin/"
    ),
}))
"""


@dataclass(frozen=True)
class Shot:
    name: str
    who: str  # visitor or a demo username
    path: str  # a URL path, or a key of the facts ("topic", "group", ...)
    viewport: dict
    full_page: bool = False
    action: str = ""  # something to do on the page before the picture


SHOTS = (
    Shot("home-visitor", "visitor", "/", DESKTOP),
    Shot("home-phone", "visitor", "/", PHONE),
    Shot("menu-phone", "maya", "/", PHONE, action="open-menu"),
    Shot("sign-up", "visitor", "/accounts/signup/", DESKTOP),
    Shot("sign-up-phone", "visitor", "/accounts/signup/", PHONE),
    Shot("forums", "visitor", "/forums/", DESKTOP),
    Shot("topic", "visitor", "topic", DESKTOP),
    Shot("topic-phone", "visitor", "topic", PHONE),
    Shot("not-found", "visitor", "/forums/t/999999/gone/", DESKTOP),
    Shot("home-supporters", "maya", "/", DESKTOP, full_page=True),
    Shot("topic-solved", "maya", "solved", DESKTOP),
    Shot("composer", "maya", "new_topic", DESKTOP, action="write"),
    Shot("search", "maya", "/search/?q=export", DESKTOP),
    Shot("latest", "maya", "/forums/latest/", DESKTOP),
    Shot("directory", "maya", "/members/", DESKTOP),
    Shot("profile-with-shout-out", "maya", "/members/maya/", DESKTOP),
    Shot("groups", "maya", "/groups/", DESKTOP),
    Shot("group", "maya", "group", DESKTOP),
    Shot("moderation-queue", "omar", "/forums/moderation/", DESKTOP),
    Shot("admin-for-moderator", "omar", "/admin/", DESKTOP),
    Shot("admin-home", "carmen", "/admin/", DESKTOP, full_page=True),
    Shot("admin-branding", "carmen", "/admin/community/sitebranding/", DESKTOP),
    Shot("admin-posts", "carmen", "/admin/forums/post/", DESKTOP),
    Shot("admin-schedules", "carmen", "/admin/django_celery_beat/periodictask/", DESKTOP),
    Shot("home-executive", "evan", "/", DESKTOP),
    Shot("dashboard", "evan", "/dashboard/", DESKTOP, full_page=True),
    Shot("dashboard-phone", "evan", "/dashboard/", PHONE),
    Shot("polls", "maya", "/polls/", DESKTOP),
    Shot("poll-ranked", "maya", "poll", DESKTOP, full_page=True),
    Shot("poll-in-topic", "maya", "poll_topic", DESKTOP),
    Shot("library", "visitor", "/library/", DESKTOP),
    Shot("library-resource", "maya", "resource", DESKTOP, full_page=True),
    Shot("admin-poll-breakdown", "carmen", "poll_breakdown", DESKTOP),
    Shot("admin-polls", "carmen", "/admin/polls/poll/", DESKTOP),
    Shot("report", "evan", "report", DESKTOP),
    Shot("admin-report-draft", "carmen", "report_draft", DESKTOP),
)

# The published plan's PDF, as an executive downloads it: its first pages as pictures.
PDF_PAGES = 2
PDF_PICTURE = "report-pdf-page"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 (this interpreter and manage.py; fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def _wait_until_serving(url: str, server: subprocess.Popen) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit("the server stopped before answering; see its output above")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (our own local server)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in 30 s")


def _sign_in(context, base_url: str, email: str, password: str) -> None:
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state("networkidle")
    if not context.cookies() or "/accounts/login/" in page.url:
        raise SystemExit(f"could not sign in as {email}")
    page.goto(f"{base_url}/members/me/edit/")
    if "/accounts/login/" in page.url:
        raise SystemExit(f"signed in as {email}, but the next page asks to sign in again")
    page.close()


def _act(page, action: str) -> None:
    if action == "write":
        page.fill("input[name=title]", "How do you plan a quarter's community goals?")
        page.fill(
            "textarea[name=body]",
            "We set three goals each quarter and review them at the **90-day** mark.\n\n"
            "- Which leading indicators do you watch?\n- How do you report to executives?",
        )
    elif action == "open-menu":
        toggle = page.locator(".site-menu summary, .menu-toggle, [aria-controls=site-menu]")
        if toggle.count():
            toggle.first.click()


def pdf_pages(context, base_url: str, facts: dict, out: Path) -> None:
    """The published plan's PDF, downloaded as the signed-in reader, its first pages drawn by
    poppler's pdftoppm at 60 dpi (an A4 page about 500 px wide)."""
    if not facts["report_pdf"]:
        raise SystemExit("the demo has no published plan report to draw")
    response = context.request.get(f"{base_url}{facts['report_pdf']}")
    if response.status != 200 or response.headers.get("content-type") != "application/pdf":
        raise SystemExit(f"the plan's PDF answered {response.status}, not a PDF")
    with tempfile.TemporaryDirectory(prefix="hearth-pdf-") as scratch:
        pdf = Path(scratch) / "report.pdf"
        pdf.write_bytes(response.body())
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            raise SystemExit("pdftoppm not found (apt-get install poppler-utils)")
        subprocess.run(  # noqa: S603 (poppler's program on a file we just wrote)
            [
                pdftoppm,
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                str(PDF_PAGES),
                str(pdf),
                str(Path(scratch) / "page"),
            ],
            check=True,
        )
        for number, picture in enumerate(sorted(Path(scratch).glob("page-*.png")), start=1):
            target = out / f"{PDF_PICTURE}-{number}.png"
            target.write_bytes(picture.read_bytes())
            print(f"{target.name}  page {number} of the PDF at {facts['report_pdf']}")


def take(shots, out: Path, base_url: str, facts: dict, with_pdf: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    by_person: dict[str, list[Shot]] = {}
    for shot in shots:
        by_person.setdefault(shot.who, []).append(shot)
    done = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for who, person_shots in by_person.items():
            context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
            if who != "visitor":
                _sign_in(context, base_url, facts["accounts"][who], facts["password"])
            page = context.new_page()
            for shot in person_shots:
                done += 1
                page.set_viewport_size(shot.viewport)
                path = facts.get(shot.path, shot.path)
                page.goto(f"{base_url}{path}")
                page.wait_for_load_state("networkidle")
                _act(page, shot.action)
                target = out / f"{shot.name}.png"
                page.screenshot(path=str(target), full_page=shot.full_page)
                width = shot.viewport["width"]
                print(f"[{done}/{len(shots)}] {shot.name}.png  {who} at {width} px  {path}")
            if with_pdf and who == "evan":
                pdf_pages(context, base_url, facts, out)
                with_pdf = False
            context.close()
        if with_pdf:
            context = browser.new_context()
            _sign_in(context, base_url, facts["accounts"]["evan"], facts["password"])
            pdf_pages(context, base_url, facts, out)
            context.close()
        browser.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", default="", help="comma-separated picture names")
    options = parser.parse_args(argv)
    wanted = {name for name in options.only.split(",") if name}
    shots = [shot for shot in SHOTS if not wanted or shot.name in wanted]
    with_pdf = not wanted or PDF_PICTURE in wanted
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")

    with tempfile.TemporaryDirectory(prefix="hearth-screenshots-") as scratch:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        }
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env.update(
            DJANGO_SETTINGS_MODULE="community.settings.local",
            DATABASE_URL=f"sqlite:///{scratch}/screenshots.sqlite3",
            MEDIA_ROOT=f"{scratch}/media",
            EMBEDDED_DIR=f"{scratch}/var",  # the shared cache: never the checkout's own
            SITE_URL=base_url,
            CELERY_TASK_ALWAYS_EAGER="true",
        )
        print("seeding the demo community into a scratch database …", flush=True)
        _manage(env, "migrate", "--no-input", "-v0")
        _manage(env, "seed_demo", "--seed", "1")
        facts = json.loads(_manage(env, "shell", "--no-imports", "-c", FACTS_SCRIPT, capture=True))
        server = subprocess.Popen(  # noqa: S603 (runserver from this checkout)
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_until_serving(f"{base_url}/healthz", server)
            print(f"serving on {base_url}; {len(shots)} pictures to {options.out}", flush=True)
            take(shots, Path(options.out), base_url, facts, with_pdf)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
