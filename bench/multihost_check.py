"""The checks of bench/run_multihost.sh: two web instances, two Celery workers and one beat
on one PostgreSQL database and one Redis behave as one site.

    multihost_check.py prepare   (before the workers and beat start)
    multihost_check.py check --a URL --b URL --mail-dir DIR --beat-log FILE --out DIR

`prepare` makes the schedule's two report jobs due every few seconds and sets the 90-day
plans to end a period yesterday, so beat sends them while the checks run. `check` drives
both instances with a plain HTTP client through the real forms (CSRF included, cookies
kept by hand as a browser keeps them, Secure flag or not), reads the database and the
e-mail folder for what must have happened exactly once, prints PASS/FAIL per check, writes
summary.md and results.json to --out, and exits 1 when a check failed.

Run with the servers' own environment (DJANGO_SETTINGS_MODULE and the rest): it reads the
database through Django and queues tasks through the same broker."""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "hearth-demo-2026"  # noqa: S105 - every demo log-in's, in the README
MEMBER, AUTHOR, WATCHER, MANAGER, EXECUTIVE = "maya", "omar", "carmen", "carmen", "evan"
REPORT_TASKS = ("metrics.snapshot_yesterday", "plans.report_due")
# Generous: the machine is shared; nothing here measures speed.
TIMEOUT = float(os.environ.get("BENCH_MULTIHOST_TIMEOUT", "900"))


def django_setup():
    import django

    django.setup()


# --- A browser, by hand ----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    headers: dict
    text: str


@dataclass
class Browser:
    """One person's cookies, sent to whichever instance they ask (one site behind a
    balancer: the same cookie goes to every node)."""

    name: str
    cookies: dict = field(default_factory=dict)

    def request(self, base: str, path: str, data=None, referer: str | None = None) -> Answer:
        url = urllib.parse.urljoin(base, path)
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        method = "POST" if body is not None else "GET"
        # Only the run's own http:// instances are ever asked.
        req = urllib.request.Request(url, data=body, method=method)  # noqa: S310
        if self.cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if referer:
            req.add_header("Referer", urllib.parse.urljoin(base, referer))
        for attempt in range(5):
            try:
                response = _opener.open(req, timeout=120)
            except urllib.error.HTTPError as exc:
                response = exc
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if attempt == 4:
                    raise
                time.sleep(2 + 2 * attempt)
                continue
            break
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        text = response.read().decode("utf-8", "replace")
        return Answer(response.status, dict(response.headers.items()), text)

    def get(self, base: str, path: str) -> Answer:
        return self.request(base, path)

    def submit(self, base: str, page_path: str, marker: str, changes: dict) -> Answer:
        """Fill the form of the page at `page_path` whose markup holds `marker` as a browser
        would (its own values, CSRF token included) with `changes`, and send it."""
        page = self.get(base, page_path)
        if page.status != 200:
            raise CheckError(f"{page_path} answered {page.status} on {base}")
        form = find_form(page.text, marker)
        if form is None:
            raise CheckError(f"no form with {marker!r} on {page_path}")
        data = {**form.values, **changes}
        action = form.action or page_path
        return self.request(base, urllib.parse.urljoin(page_path, action), data, referer=page_path)

    def sign_in(self, base: str, username: str) -> None:
        from members.models import User

        email_address = User.objects.get(username=username).email
        answer = self.submit(
            base,
            "/accounts/login/",
            'type="password"',
            {"login": email_address, "password": PASSWORD},
        )
        if answer.status not in (302, 303) or "sessionid" not in self.cookies:
            raise CheckError(f"signing in {username} on {base} answered {answer.status}")


class CheckError(Exception):
    pass


@dataclass
class Form:
    action: str
    values: dict


class _FormParser(HTMLParser):
    """The fields of one form with what a browser sends before anyone touches it: checked
    boxes only, each select's selected option (else its first), textareas' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.action = ""
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self._add(self._select, value)
                self._select_chosen = True
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


FORM_RE = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def find_form(html: str, marker: str) -> Form | None:
    for match in FORM_RE.finditer(html):
        if marker in match.group(0):
            parser = _FormParser()
            parser.feed(match.group(0))
            values = {k: v if len(v) > 1 else v[0] for k, v in parser.values.items()}
            # A textarea's text starts after one newline, which browsers drop.
            values = {
                k: v[1:] if isinstance(v, str) and v.startswith("\n") else v
                for k, v in values.items()
            }
            return Form(unescape(parser.action), values)
    return None


# --- prepare ---------------------------------------------------------------------------------


def prepare() -> None:
    """Before beat starts: the report jobs every BEAT_SECONDS, and a 90-day period that ended
    yesterday with no report yet."""
    django_setup()
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from community.timezones import community_today
    from plans.models import PERIOD_DAYS, PlanReport, PlanSettings

    every = int(os.environ.get("BENCH_MULTIHOST_BEAT_SECONDS", "20"))
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    changed = PeriodicTask.objects.filter(task__in=REPORT_TASKS).update(
        interval=interval, crontab=None, last_run_at=None, total_run_count=0, enabled=True
    )
    # Beat reads its schedule at start: the others are left as they are (they run every
    # minute or nightly and touch nothing checked here).
    yesterday = community_today() - timedelta(days=1)
    start = yesterday - timedelta(days=PERIOD_DAYS - 1)
    PlanSettings.objects.update_or_create(pk=1, defaults={"first_period_start": start})
    PlanReport.objects.filter(period_start=start).delete()
    print(
        json.dumps(
            {
                "report_jobs_rescheduled": changed,
                "every_seconds": every,
                "period_start": start.isoformat(),
            }
        )
    )


# --- check -----------------------------------------------------------------------------------


@dataclass
class Results:
    rows: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    def record(self, name: str, ok: bool, detail: str) -> bool:
        self.rows.append({"check": name, "ok": bool(ok), "detail": detail})
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
        return ok

    @property
    def failed(self) -> int:
        return sum(not row["ok"] for row in self.rows)


def run_check(results: Results, name: str, function, *args) -> None:
    try:
        function(results, *args)
    except Exception as exc:  # any failure is this check's FAIL; the others still run
        results.record(name, False, f"{type(exc).__name__}: {exc}")


def wait_for(predicate, what: str, timeout: float = TIMEOUT, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def public_name(username: str) -> str:
    from members.models import User

    return User.objects.get(username=username).public_name


def check_sessions(results: Results, a: str, b: str) -> Browser:
    maya = Browser(MEMBER)
    maya.sign_in(a, MEMBER)
    page = maya.get(b, "/notifications/email/")
    name = public_name(MEMBER)
    results.record(
        "sessions: signed in on A, the same cookie is signed in on B",
        page.status == 200 and name in page.text,
        f"B answered {page.status} for /notifications/email/ (members only)"
        + (f" and names {name}" if name in page.text else f"; {name!r} not on it"),
    )
    visitor = Browser("visitor")
    refused = visitor.get(b, "/notifications/email/")
    results.record(
        "sessions: without the cookie B sends to sign in",
        refused.status in (302, 303) and "/accounts/login/" in refused.headers.get("Location", ""),
        f"B answered {refused.status} to a visitor",
    )
    return maya


def _topic_row(html: str, topic_id: int) -> str | None:
    """The list's markup for one topic: from its first link to the next topic's link (or
    2,000 characters); None when the topic is not listed."""
    at = html.find(f'href="/forums/t/{topic_id}/')
    if at < 0:
        return None
    rest = html[at : at + 2000]
    following = re.search(rf'href="/forums/t/(?!{topic_id}/)\d+/', rest)
    return unescape(rest[: following.start()] if following else rest)


def _topic_ids_in(html: str) -> list[int]:
    return [int(pk) for pk in dict.fromkeys(re.findall(r'href="/forums/t/(\d+)/', html))]


def check_caches_and_notifications(results: Results, a: str, b: str, mail_dir: Path, maya: Browser):
    """omar starts a topic on B and carmen watches it on A (every post); maya replies on A.
    B shows the reply at once on the topic page (to a member and to a visitor, whose page is
    shared) and on the lists; omar and carmen are each told once, omar by one e-mail."""
    from django.urls import reverse

    from community.models import Notification
    from forums.models import Category, CategoryAccess, Topic

    category = (
        Category.objects.filter(access=CategoryAccess.PUBLIC, parent__isnull=True)
        .order_by("position", "pk")
        .first()
    )
    token = secrets.token_hex(4)
    title = f"Multi-host check {token}: which gasket fits the X200?"
    omar = Browser(AUTHOR)
    omar.sign_in(b, AUTHOR)
    created = omar.submit(
        b,
        reverse("forums:topic-create", args=[category.slug]),
        'name="title"',
        {"title": title, "body": "The manual lists two sizes. Which one is right?"},
    )
    if created.status not in (302, 303):
        raise CheckError(f"starting a topic on B answered {created.status}")
    topic = Topic.objects.get(title=title)
    topic_path = topic.get_absolute_url()

    carmen = Browser(WATCHER)
    carmen.sign_in(a, WATCHER)
    watched = carmen.submit(a, topic_path, 'name="target" value="topic"', {"level": "2"})
    results.facts["watch_answer"] = watched.status

    visitor = Browser("visitor")
    # Warm every cache on both nodes first: the pages as they were before the reply.
    for base in (a, b):
        for who in (maya, visitor):
            who.get(base, topic_path)
            who.get(base, reverse("forums:latest"))
            who.get(base, reverse("forums:category-detail", args=[category.slug]))
    list_paths = (
        reverse("forums:latest"),
        reverse("forums:category-detail", args=[category.slug]),
    )
    name = public_name(MEMBER)
    # Before the reply B's rows name omar as the last poster, not maya.
    before = {
        (who.name, path): _topic_row(who.get(b, path).text, topic.pk)
        for who in (maya, visitor)
        for path in list_paths
    }
    if any(row is None or name in row for row in before.values()):
        raise CheckError(f"B's lists did not show the new topic without {name} before the reply")

    reply = f"The 40 mm one, reply {token}."
    answer = maya.submit(a, topic_path, 'name="body"', {"body": reply})
    if answer.status not in (302, 303):
        raise CheckError(f"replying on A answered {answer.status}")
    after_path = answer.headers["Location"].split("#")[0]

    member_page = maya.get(b, after_path)
    visitor_page = visitor.get(b, after_path)
    results.record(
        "caches: A's reply is on B's topic page at once",
        reply in member_page.text and reply in visitor_page.text,
        f"member's page: {'yes' if reply in member_page.text else 'NO'}, "
        f"visitor's (shared) page: {'yes' if reply in visitor_page.text else 'NO'}",
    )
    lists = []
    for who in (maya, visitor):
        for path in list_paths:
            row = _topic_row(who.get(b, path).text, topic.pk)
            # The row names the last poster: maya once her reply is in the list.
            lists.append((who.name, path, row is not None, row is not None and name in row))
    results.record(
        "caches: B's latest and category lists show the topic with A's reply at once",
        all(listed and shown for _, _, listed, shown in lists),
        "; ".join(
            f"{who} {path}: {'listed' if listed else 'MISSING'}, "
            f"{'last post by ' + name if shown else 'reply NOT shown'}"
            for who, path, listed, shown in lists
        )
        + f" (before the reply B's rows named {public_name(AUTHOR)}, not {name})",
    )

    # Notifications: written after commit by the web process, shown by B.
    def told(username):
        return Notification.objects.filter(
            recipient__username=username, url__contains=f"/forums/t/{topic.pk}/"
        )

    wait_for(lambda: told(AUTHOR).exists(), "omar's notification", timeout=120)
    page = omar.get(b, "/notifications/")
    sentence = f"replied to “{title}”"
    shown = unescape(page.text).count(sentence)
    results.record(
        "notifications: the topic's author is told once, and B shows it",
        told(AUTHOR).count() == 1 and shown >= 1,
        f"{told(AUTHOR).count()} notification(s) for omar; B's /notifications/ shows it "
        f"{shown} time(s)",
    )
    carmen_count = told(WATCHER).count()
    results.record(
        "notifications: a member watching every post is told once",
        carmen_count == 1,
        f"{carmen_count} notification(s) for carmen (watch form answered {watched.status})",
    )

    # The reply e-mail: sent by whichever worker took it from the email queue.
    from members.models import User

    address = User.objects.get(username=AUTHOR).email

    def mails_about():
        found = []
        for path in sorted(mail_dir.glob("*.log")):
            for raw in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
                if not raw.strip():
                    continue
                message = email.message_from_string(raw.lstrip("\n"), policy=email.policy.default)
                if address in str(message.get("To", "")) and title in str(
                    message.get("Subject", "")
                ):
                    found.append(path.name)
        return found

    wait_for(mails_about, "the reply e-mail to omar", timeout=TIMEOUT)
    time.sleep(10)  # a second copy, if any, would come from the other worker by now
    mails = mails_about()
    results.record(
        "notifications: one e-mail to the author, sent once by one of the two workers",
        len(mails) == 1,
        f"{len(mails)} message(s) to {address} about the topic in {mail_dir.name}/",
    )
    results.facts["topic"] = {"id": topic.pk, "title": title}


def check_branding(results: Results, a: str, b: str) -> None:
    """carmen changes the tagline in the admin on A; B's home page shows it at once."""
    tagline = f"Answers from people who use Acme every day ({secrets.token_hex(3)})"
    carmen = Browser(MANAGER)
    carmen.sign_in(a, MANAGER)
    visitor = Browser("visitor")
    visitor.get(b, "/")  # B's branding snapshot warm, as it was
    answer = carmen.submit(
        a,
        "/admin/community/sitebranding/1/change/",
        'name="tagline"',
        {"tagline": tagline, "_save": "Save"},
    )
    home = visitor.get(b, "/")
    results.record(
        "caches: a branding change saved on A shows on B at once",
        answer.status in (302, 303) and tagline in unescape(home.text),
        f"admin on A answered {answer.status}; B's home page "
        f"{'shows' if tagline in unescape(home.text) else 'does NOT show'} the new tagline",
    )


def _replica_queries(application_name: str) -> list[str]:
    """The last statement of each open connection under `application_name`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s AND pid <> pg_backend_pid()",
            [application_name],
        )
        return [row[0] for row in cursor.fetchall()]


def _writes(queries: list[str]) -> list[str]:
    return [q for q in queries if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def check_replica_reads(results: Results, a: str, b: str) -> None:
    """With DATABASE_REPLICA_URL set (here: the same database under another application
    name), the dashboard is read through the web instances' replica alias, and nothing is
    written through it. (The workers' side is not visible this way: Celery closes a task's
    connections when it ends. tests/community/test_multihost_settings.py checks that a
    report reads through the replica.)"""
    evan = Browser(EXECUTIVE)
    evan.sign_in(b, EXECUTIVE)
    page = evan.get(b, "/dashboard/")
    last = _replica_queries("hearth-web-replica")
    results.record(
        "replica: the dashboard is read through the replica alias, nothing written there",
        page.status == 200 and bool(last) and not _writes(last),
        f"dashboard answered {page.status}; {len(last)} web connection(s) open as the replica, "
        f"{len(_writes(last))} of them last wrote"
        + (f"; the last read: {' '.join(last[0].split())[:80]}…" if last else ""),
    )


def check_reports_once(results: Results, beat_log: Path, worker_logs: list[Path]) -> None:
    """The nightly snapshot and the 90-day report's daily check, sent by beat every few
    seconds and twice more at once by hand, with two workers taking them: one snapshot per
    KPI, window and day, one report."""
    from community.celery import app
    from community.timezones import community_today
    from metrics.catalogue import CATALOGUE
    from metrics.models import WINDOWS, KpiSnapshot
    from plans.models import PERIOD_DAYS, PlanReport

    for name in REPORT_TASKS:
        for _ in range(2):
            app.send_task(name)
    yesterday = community_today() - timedelta(days=1)
    start = yesterday - timedelta(days=PERIOD_DAYS - 1)

    def sent_by_beat():
        text = beat_log.read_text(errors="replace") if beat_log.exists() else ""
        return {name: text.count(f"({name})") for name in REPORT_TASKS}

    wait_for(lambda: all(n >= 2 for n in sent_by_beat().values()), "beat to send each job twice")
    expected = len(CATALOGUE) * len(WINDOWS)

    def done():
        report = PlanReport.objects.filter(period_start=start).first()
        complete = report is not None and report.is_complete
        return complete and KpiSnapshot.objects.filter(day=yesterday).count() >= expected

    wait_for(done, "the snapshot and the report", every=3)

    def ran():
        counts = {}
        for log in worker_logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            counts[log.stem] = {
                name: len(re.findall(rf"Task {re.escape(name)}\[[^\]]+\] succeeded", text))
                for name in (*REPORT_TASKS, "plans.generate_report")
            }
        return counts

    # Let every queued copy run (beat keeps sending): each later run must change nothing.
    wait_for(
        lambda: (
            sum(c["metrics.snapshot_yesterday"] for c in ran().values()) >= 4
            and sum(c["plans.report_due"] for c in ran().values()) >= 4
        ),
        "the workers to run both jobs at least four times",
    )
    runs = ran()
    rows = KpiSnapshot.objects.filter(day=yesterday)
    per_key: dict[tuple[str, int], int] = {}
    for key, window in rows.values_list("key", "window"):
        per_key[(key, window)] = per_key.get((key, window), 0) + 1
    snapshot_runs = {w: c["metrics.snapshot_yesterday"] for w, c in runs.items()}
    due_runs = {w: c["plans.report_due"] for w, c in runs.items()}
    generate_runs = {w: c["plans.generate_report"] for w, c in runs.items()}
    results.record(
        "scheduled jobs: one snapshot per KPI, window and day, however many runs",
        rows.count() == expected and max(per_key.values(), default=0) == 1,
        f"{rows.count()} snapshots for {yesterday} ({len(CATALOGUE)} KPIs x {len(WINDOWS)} "
        f"windows = {expected}); the job ran {sum(snapshot_runs.values())} times "
        f"({_by_worker(snapshot_runs)}); beat sent it {sent_by_beat()[REPORT_TASKS[0]]} times",
    )
    reports = list(PlanReport.objects.filter(period_start=start))
    results.record(
        "scheduled jobs: one 90-day report for the period that ended yesterday",
        len(reports) == 1 and reports[0].is_complete and bytes(reports[0].pdf[:4]) == b"%PDF",
        f"{len(reports)} report(s) for {start} to {yesterday}, status "
        f"{reports[0].status if reports else '-'}; the daily check ran "
        f"{sum(due_runs.values())} times ({_by_worker(due_runs)}), the report task "
        f"{sum(generate_runs.values())} times ({_by_worker(generate_runs)}); beat sent the "
        f"check {sent_by_beat()[REPORT_TASKS[1]]} times",
    )
    workers_ran = [w for w in runs if snapshot_runs[w] or due_runs[w]]
    results.record(
        "scheduled jobs: both workers took report jobs",
        len(workers_ran) == len(worker_logs),
        f"{len(workers_ran)} of {len(worker_logs)} workers ran one",
    )
    results.facts["runs"] = runs


def _by_worker(counts: dict[str, int]) -> str:
    return ", ".join(f"{worker}: {n}" for worker, n in counts.items())


def check(args) -> int:
    django_setup()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = Results()
    a, b = args.a, args.b
    started = time.monotonic()
    maya = None
    try:
        maya = check_sessions(results, a, b)
    except Exception as exc:
        results.record("sessions", False, f"{type(exc).__name__}: {exc}")
    if maya is not None:
        run_check(
            results,
            "caches and notifications",
            check_caches_and_notifications,
            a,
            b,
            Path(args.mail_dir),
            maya,
        )
    run_check(results, "branding", check_branding, a, b)
    run_check(results, "replica", check_replica_reads, a, b)
    run_check(
        results,
        "scheduled jobs",
        check_reports_once,
        Path(args.beat_log),
        [Path(p) for p in args.worker_log],
    )
    results.facts["seconds"] = round(time.monotonic() - started)
    (out / "results.json").write_text(
        json.dumps({"checks": results.rows, **results.facts}, indent=2) + "\n"
    )
    passed = len(results.rows) - results.failed
    print(f"\n{passed} of {len(results.rows)} checks passed in {results.facts['seconds']} s")
    return 1 if results.failed or not results.rows else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    c = sub.add_parser("check")
    c.add_argument("--a", required=True)
    c.add_argument("--b", required=True)
    c.add_argument("--mail-dir", required=True)
    c.add_argument("--beat-log", required=True)
    c.add_argument("--worker-log", action="append", required=True)
    c.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare()
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
