"""A mixed community morning against one server: N people on 127.0.0.1 for D seconds.

    python bench/load.py --base-url http://127.0.0.1:8196 --targets targets.json \\
        [--people 200] [--duration 60] [--think 2] [--out load.json] [--writes-log w.jsonl]

Each simulated person loops: choose an action, do it, think (exponentially distributed
around --think seconds). --members-share (0.7) of them are signed-in members, the rest
visitors. Members sign in once each through the server's real log-in form before the clock
starts (never counted in the figures).

Reads, for everyone (weights: --mix): a topic chosen by a Zipf law (s = --zipf-s, 1.1) over
every topic of the peers' data set, rank 1 being the hot topic, at page 1 or its last page
(--last-page-share); a category page; latest; unanswered; a tag page; the home page; a search
for a common word of the data set's vocabulary or for its rare word. Writes, --write-share
(0.05) of a member's actions (--write-mix): reply to a topic, react to a post, vote in an
open poll, bookmark a topic's opening post. Every write goes through the page's own form as a
browser sends it: the page is read, its form's fields (CSRF token included) are posted, the
htmx endpoints with htmx's headers. A write that finds nothing to do (no open poll left to
vote in, the topic already bookmarked) is counted as skipped.

After each reply a different person, chosen at random, reads that topic's last page until
the reply's text shows, and the delay from the reply's answer to the first page that shows it
is recorded (--visible-timeout bounds it).

Reported per kind of request and who sent it: count, req/s, p50/p95/p99 latency, errors
(status other than 2xx/3xx, time-outs, broken connections), and beside them the p50 of the
same reads sent one at a time before the clock (--alone), what a page costs with nothing
queued in front of it; the overall throughput; the
Redis keyspace hit rate over the window (INFO stats of the server at --redis-url, which
counts every client of that server, so other clients active meanwhile are listed); the
reply-visible delays; what the machine's CPUs did. --out gets every figure as JSON, stdout
a markdown summary. Every write that got a success answer is appended to --writes-log as
one JSON line (kind, ids, a reply's text) as it happens; writes refused or without a
definite answer (a time-out may still have been committed) go to --writes-other-log.

Servers are adapters (--server): `hearth` does everything; `spirit` has no unanswered list,
no tags and is driven reads-only (--reads-only), its URLs read from Spirit's URL conf.
"""

import argparse
import asyncio
import bisect
import itertools
import json
import math
import os
import random
import re
import resource
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers_dataset as dataset

# The data set's own subject words (the second half of its vocabulary): each is in about a
# third of the posts, so a search for one is a broad one. SEARCH_WORD is in about 1 %.
COMMON_WORDS = dataset.WORDS[dataset.WORDS.index("forum") :]

DEFAULT_MIX = {
    "topic": 55,
    "category": 10,
    "latest": 10,
    "unanswered": 5,
    "tag": 4,
    "home": 10,
    "search-common": 4,
    "search-rare": 2,
}
DEFAULT_WRITE_MIX = {"reply": 1, "reaction": 1, "vote": 1, "bookmark": 1}


# --- HTML forms ------------------------------------------------------------------------------

FORM_RE = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


@dataclass
class Form:
    attrs: dict
    inputs: list = field(default_factory=list)
    buttons: list = field(default_factory=list)
    selects: dict = field(default_factory=dict)
    textareas: dict = field(default_factory=dict)

    def data(self) -> list[tuple[str, str]]:
        """What a browser submits before anyone touches the form: hidden and text fields with
        their values, ticked boxes, textareas, each select's first option. Fields owned by
        another form (form="…") and files are left out; no button is clicked yet."""
        own = self.attrs.get("id")
        pairs = []
        for field_attrs in self.inputs:
            name, kind = field_attrs.get("name"), field_attrs.get("type", "text").lower()
            if not name or ("form" in field_attrs and field_attrs["form"] != own):
                continue
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and "checked" not in field_attrs:
                continue
            pairs.append((name, field_attrs.get("value", "on" if kind == "checkbox" else "")))
        pairs.extend(self.textareas.items())
        pairs.extend((name, values[0]) for name, values in self.selects.items() if values)
        return pairs

    def choices(self, kind: str) -> dict[str, list[str]]:
        """Radio buttons or checkboxes by name: {name: [value, …]}."""
        found = defaultdict(list)
        for field_attrs in self.inputs:
            if field_attrs.get("type", "").lower() == kind and field_attrs.get("name"):
                found[field_attrs["name"]].append(field_attrs.get("value", "on"))
        return dict(found)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.form: Form | None = None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form" and self.form is None:
            self.form = Form(a)
        elif self.form is None:
            return
        elif tag == "input":
            self.form.inputs.append(a)
        elif tag == "button":
            self.form.buttons.append(a)
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.form.selects[self._select] = []
        elif tag == "option" and self._select:
            self.form.selects[self._select].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.form.textareas[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.form.textareas[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(html: str, marker: str = "") -> list[Form]:
    """The page's forms whose markup contains `marker`. Forms cannot nest in HTML, so each is
    cut out with a regular expression and only the ones wanted are parsed: a member's topic
    page is 100 KB and the generator shares the machine with the server."""
    found = []
    for match in FORM_RE.finditer(html):
        if marker in match.group(0):
            parser = _FormParser()
            parser.feed(match.group(0))
            if parser.form is not None:
                found.append(parser.form)
    return found


# --- servers ---------------------------------------------------------------------------------


class HearthAdapter:
    name = "hearth"
    writes = True
    search_needs_sign_in = False
    login_path = "/accounts/login/"
    session_cookie = "sessionid"

    def __init__(self, targets: dict):
        self.targets = targets
        self.password = targets["password"]

    def accounts(self) -> list[dict]:
        return [
            {
                "user_id": m["pk"],
                "username": m["username"],
                "login": m["email"],
                "polls": m.get("polls", []),
            }
            for m in self.targets["members"]
        ]

    def login_fields(self, account: dict) -> dict:
        return {"login": account["login"], "password": self.password}

    def topic(self, entry, page: int) -> str:
        pk, slug, _ = entry
        return f"/forums/t/{pk}/{slug}/?page={page}"

    def category(self, entry) -> str:
        return f"/forums/c/{entry[1]}/"

    def tag(self, slug: str) -> str:
        return f"/forums/tags/{slug}/"

    def search(self, word: str) -> str:
        return f"/search/?q={quote(word)}"  # what the header's search box sends

    home = "/"
    latest = "/forums/latest/"
    unanswered = "/forums/unanswered/"


class SpiritAdapter:
    """Spirit 0.14 (spirit/urls.py and its apps' urls.py): the home page is the active-topics
    list, which is also its "latest"; no unanswered list and no tags. Its users are the data
    set's, with the data set's password; they sign in by username. Reads only."""

    name = "spirit"
    writes = False
    search_needs_sign_in = True  # SearchView is login_required: visitors are sent to log in
    login_path = "/user/login/"
    session_cookie = "sessionid"

    def __init__(self, targets: dict):
        self.targets = targets

    def accounts(self) -> list[dict]:
        return [
            {"user_id": None, "username": username, "login": username}
            for _, username, _ in dataset.users()
        ]

    def login_fields(self, account: dict) -> dict:
        return {"username": account["login"], "password": dataset.PASSWORD}

    def topic(self, entry, page: int) -> str:
        pk, slug, _ = entry
        return f"/topic/{pk}/{slug}/?page={page}"

    def category(self, entry) -> str:
        return f"/category/{entry[0]}/{entry[1]}/"

    tag = None

    def search(self, word: str) -> str:
        return f"/search/?q={quote(word)}"

    home = "/"
    latest = "/topic/active/"
    unanswered = None


ADAPTERS = {"hearth": HearthAdapter, "spirit": SpiritAdapter}


# --- measuring -------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Reply:
    status: int | None
    headers: dict
    body: bytes
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Stats:
    def __init__(self):
        self.latencies = defaultdict(list)  # (kind, who) -> seconds, requests in the window
        self.errors = defaultdict(Counter)  # (kind, who) -> reason -> count
        self.outside = defaultdict(Counter)  # (kind, who) -> "warm-up"/"after" -> requests

    def add(self, kind, who, latency, reason, phase="window"):
        key = (kind, who)
        if phase != "window":
            self.outside[key][phase] += 1
            return
        self.latencies[key].append(latency)
        if reason:
            self.errors[key][reason] += 1


@dataclass
class Person:
    index: int
    role: str  # "member" or "visitor"
    rng: random.Random
    account: dict | None = None
    cookies: dict = field(default_factory=dict)
    polls_left: list = field(default_factory=list)

    @property
    def ip(self) -> str:
        # Each person comes from an address of their own, as people do: per-address limits
        # (sign-in, search) then count per person, not for the whole run.
        return f"10.{10 + self.index // 250}.{self.index % 250 + 1}.7"

    def absorb(self, headers) -> None:
        for header in headers.getall("Set-Cookie", ()):
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


class Run:
    def __init__(self, args, adapter, targets):
        self.args = args
        self.adapter = adapter
        self.targets = targets
        self.base = args.base_url.rstrip("/")
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base))
        self.stats = Stats()
        self.prelude = Stats()  # signing in, before the clock
        self.alone = Stats()  # each read one at a time, before the clock
        self.recording_alone = False
        self.run_id = uuid.uuid4().hex[:8]
        self.reply_seq = itertools.count(1)
        self.actions = Counter()  # (action, who) -> count
        self.skips = Counter()  # reason -> count
        self.writes = Counter()  # (kind, outcome) -> count
        self.visible = []  # {"delay": s or None, "attempts": n, ...}
        self.checks = set()
        self.start = self.end = None
        self.topics = targets["topics"]
        self.last_pages = {}  # topic id -> last page as replies moved it
        zipf_weights = [1 / (rank**args.zipf_s) for rank in range(1, len(self.topics) + 1)]
        self.zipf_cumulative = list(itertools.accumulate(zipf_weights))
        self.mix = self._read_mix()
        self.write_mix = self._write_mix()
        self.writes_log = open(args.writes_log, "a", buffering=1)  # noqa: SIM115
        self.writes_other_log = open(args.writes_other_log, "a", buffering=1)  # noqa: SIM115

    # -- choices --

    def _read_mix(self) -> dict:
        offered = {
            "unanswered": self.adapter.unanswered is not None,
            "tag": self.adapter.tag is not None and bool(self.targets.get("tags")),
        }
        mix = {kind: w for kind, w in self.args.mix.items() if w > 0 and offered.get(kind, True)}
        self.not_offered = sorted(set(self.args.mix) - set(mix))
        visitors = dict(mix)
        if self.adapter.search_needs_sign_in:
            visitors = {k: w for k, w in mix.items() if not k.startswith("search")}
            self.not_offered += [f"{k} (visitors)" for k in mix if k not in visitors]
        return {"member": mix, "visitor": visitors}

    def _write_mix(self) -> dict:
        if self.args.reads_only or not self.adapter.writes:
            return {}
        return {kind: w for kind, w in self.args.write_mix.items() if w > 0}

    def zipf_topic(self, rng):
        x = rng.random() * self.zipf_cumulative[-1]
        return self.topics[bisect.bisect_left(self.zipf_cumulative, x)]

    def last_page(self, entry) -> int:
        return self.last_pages.get(entry[0], entry[2])

    @staticmethod
    def weighted(rng, mix: dict) -> str:
        return rng.choices(list(mix), weights=list(mix.values()))[0]

    # -- HTTP --

    def target(self, page_path: str, form: Form) -> str:
        """Where the form posts to, resolved against its page as a browser does."""
        return urljoin(self.base + page_path, form.attrs.get("action", ""))

    def now(self) -> float:
        return time.perf_counter()

    def phase(self, started_at: float) -> str:
        if self.start is None or started_at < self.start:
            return "warm-up"
        return "window" if started_at < self.end else "after"

    async def fetch(self, person, kind, method, path, *, data=None, headers=None, stats=None):
        url = path if path.startswith("http") else self.base + path
        sent = {"X-Real-IP": person.ip}
        if person.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in person.cookies.items())
        if method == "POST":
            sent["Origin"] = self.origin
        sent.update(headers or {})
        started = self.now()
        status, got, body, reason = None, {}, b"", ""
        try:
            async with self.session.request(
                method, url, data=data, headers=sent, allow_redirects=False
            ) as response:
                body = await response.read()
                status, got = response.status, response.headers
                person.absorb(response.headers)
        except TimeoutError:
            reason = "timeout"
        except aiohttp.ClientError as exc:
            reason = f"connection: {type(exc).__name__}"
        latency = self.now() - started
        if status is not None and not 200 <= status < 400:
            reason = f"HTTP {status}"
        if stats is None and self.recording_alone:
            stats = self.alone
        if stats is not None:  # before the clock
            stats.add(kind, person.role, latency, reason)
        else:
            self.stats.add(kind, person.role, latency, reason, self.phase(started))
        return Reply(status, got, body, reason)

    async def htmx_post(self, person, kind, path, data, *, page_url, target):
        return await self.fetch(
            person,
            kind,
            "POST",
            path,
            data=data,
            headers={
                "HX-Request": "true",
                "HX-Current-URL": self.base + page_url,
                "HX-Target": target,
                "Referer": self.base + page_url,
            },
        )

    # -- signing in --

    async def sign_in(self, person) -> str:
        """The server's log-in form, as a browser fills it; then the page it sends us to."""
        for attempt in range(2):
            page = await self.fetch(
                person, "sign-in page", "GET", self.adapter.login_path, stats=self.prelude
            )
            if page.status != 200:
                reason = page.error or f"sign-in page answered {page.status}"
                continue
            found = forms_in(page.text, 'type="password"')
            if not found:
                return "no log-in form on the sign-in page"
            form = found[0]
            data = dict(form.data())
            data.update(self.adapter.login_fields(person.account))
            action = self.target(self.adapter.login_path, form)
            answer = await self.fetch(
                person,
                "sign-in",
                "POST",
                action,
                data=data,
                headers={"Referer": self.base + self.adapter.login_path},
                stats=self.prelude,
            )
            if answer.status in (301, 302, 303) and self.adapter.session_cookie in person.cookies:
                await self.fetch(
                    person,
                    "sign-in landing page",
                    "GET",
                    urljoin(self.base + self.adapter.login_path, answer.headers["Location"]),
                    stats=self.prelude,
                )
                return ""
            reason = answer.error or f"log-in answered {answer.status} without a session"
            await asyncio.sleep(1 + attempt)
        return reason

    # -- reads --

    async def read(self, person, action):
        a, rng = self.adapter, person.rng
        if action == "topic":
            entry = self.zipf_topic(rng)
            if rng.random() < self.args.last_page_share:
                await self.fetch(
                    person, "topic last page", "GET", a.topic(entry, self.last_page(entry))
                )
            else:
                await self.fetch(person, "topic page 1", "GET", a.topic(entry, 1))
        elif action == "category":
            await self.fetch(
                person, "category", "GET", a.category(rng.choice(self.targets["categories"]))
            )
        elif action == "latest":
            await self.fetch(person, "latest", "GET", a.latest)
        elif action == "unanswered":
            await self.fetch(person, "unanswered", "GET", a.unanswered)
        elif action == "tag":
            await self.fetch(person, "tag", "GET", a.tag(rng.choice(self.targets["tags"])))
        elif action == "home":
            await self.fetch(person, "home", "GET", a.home)
        elif action == "search-common":
            await self.fetch(
                person, "search common word", "GET", a.search(rng.choice(COMMON_WORDS))
            )
        elif action == "search-rare":
            await self.fetch(person, "search rare word", "GET", a.search(dataset.SEARCH_WORD))

    # -- writes (Hearth's forms) --

    def log_write(self, person, kind, **facts):
        self.writes[kind, "ok"] += 1
        entry = {
            "run": self.run_id,
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "kind": kind,
            "user_id": person.account["user_id"],
            "username": person.account["username"],
            **facts,
        }
        self.writes_log.write(json.dumps(entry) + "\n")

    def log_other(self, person, kind, reply: Reply, **facts):
        # A refusal wrote nothing; a time-out or broken connection may have been committed.
        outcome = "unknown" if reply.status is None else "refused"
        self.writes[kind, outcome] += 1
        entry = {
            "run": self.run_id,
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "kind": kind,
            "outcome": outcome,
            "status": reply.status,
            "error": reply.error,
            "user_id": person.account["user_id"],
            "username": person.account["username"],
            **facts,
        }
        self.writes_other_log.write(json.dumps(entry) + "\n")

    async def topic_page(self, person, entry, page):
        kind = "topic page 1" if page == 1 else "topic last page"
        url = self.adapter.topic(entry, page)
        return url, await self.fetch(person, kind, "GET", url)

    async def write_reply(self, person):
        rng = person.rng
        entry = self.zipf_topic(rng)
        url, page = await self.topic_page(person, entry, self.last_page(entry))
        if page.status != 200:
            return
        composer = forms_in(page.text, 'id="composer"')
        if not composer:
            self.skips["reply: no reply form on the page (locked topic?)"] += 1
            return
        form = composer[0]
        token = f"loadcheck{self.run_id}n{next(self.reply_seq)}"
        words = " ".join(rng.choices(COMMON_WORDS, k=rng.randint(6, 14)))
        text = f"{words.capitalize()}. Reply {token} from the mixed-load benchmark."
        data = [(k, v) for k, v in form.data() if k != "body"] + [("body", text)]
        reply = await self.fetch(
            person,
            "reply (POST)",
            "POST",
            self.target(url, form),
            data=data,
            headers={"Referer": self.base + url},
        )
        landing = reply.headers.get("Location", "") if reply.status == 302 else ""
        posted = re.search(r"/t/(\d+)/[^?#]*\?page=(\d+)#post-(\d+)$", landing)
        if not posted:
            self.log_other(person, "reply", reply, topic_id=entry[0], text=text)
            return
        done_at = self.now()
        topic_id, page_number, post_id = (int(g) for g in posted.groups())
        self.last_pages[topic_id] = max(page_number, self.last_page(entry))
        self.log_write(
            person, "reply", topic_id=topic_id, post_id=post_id, page=page_number, text=text
        )
        # Someone else reads the topic's last page until the reply is there.
        check = asyncio.create_task(
            self.check_visible(person, landing.split("#")[0], token, done_at, topic_id, post_id)
        )
        self.checks.add(check)
        check.add_done_callback(self.checks.discard)
        # The browser follows the redirect to the reply on its page.
        await self.fetch(person, "topic page after reply", "GET", landing.split("#")[0])

    async def check_visible(self, author, url, token, done_at, topic_id, post_id):
        others = [p for p in self.people if p is not author]
        checker = author.rng.choice(others)
        marker = token.encode()
        attempts = stale = failed = 0
        while True:
            reply = await self.fetch(checker, "reply-visible check", "GET", url)
            attempts += 1
            seen_at = self.now()
            if reply.status == 200 and marker in reply.body:
                delay = seen_at - done_at
                break
            # A page served without the reply is what the check is for; a read that failed
            # (a time-out under load) says nothing about it either way.
            if reply.status == 200:
                stale += 1
            else:
                failed += 1
            if seen_at - done_at > self.args.visible_timeout:
                delay = None
                break
            await asyncio.sleep(self.args.visible_interval)
        self.visible.append(
            {
                "topic_id": topic_id,
                "post_id": post_id,
                "checker": checker.role,
                "attempts": attempts,
                "pages_without_it": stale,
                "failed_reads": failed,
                "delay_s": None if delay is None else round(delay, 4),
            }
        )

    async def write_reaction(self, person):
        rng = person.rng
        entry = self.zipf_topic(rng)
        page_number = 1 if rng.random() >= self.args.last_page_share else self.last_page(entry)
        url, page = await self.topic_page(person, entry, page_number)
        if page.status != 200:
            return
        candidates = []
        for form in forms_in(page.text, "/react/"):
            post = re.search(r"/p/(\d+)/react/", form.attrs.get("action", ""))
            adds = [b["value"] for b in form.buttons if b.get("value", "").endswith(":add")]
            if post and adds:
                candidates.append((form, int(post.group(1)), adds))
        if not candidates:
            self.skips["reaction: nothing on the page to react to"] += 1
            return
        form, post_id, adds = rng.choice(candidates)
        choice = rng.choice(adds)
        kind = choice.split(":")[0]
        data = [*form.data(), ("reaction", choice)]
        reply = await self.htmx_post(
            person,
            "reaction (htmx POST)",
            self.target(url, form),
            data,
            page_url=url,
            target=f"reactions-{post_id}",
        )
        # A refusal also answers 200, with its reason in the bar: success is the bar showing
        # this reaction as chosen.
        if (
            reply.status == 200
            and f'value="{kind}:remove"'.encode() in reply.body
            and b"reactions__error" not in reply.body
        ):
            self.log_write(person, "reaction", topic_id=entry[0], post_id=post_id, reaction=kind)
        else:
            self.log_other(
                person, "reaction", reply, topic_id=entry[0], post_id=post_id, reaction=kind
            )

    async def write_bookmark(self, person):
        entry = self.zipf_topic(person.rng)
        url, page = await self.topic_page(person, entry, 1)
        if page.status != 200:
            return
        controls = [
            f for f in forms_in(page.text, "/bookmark/") if ("action", "toggle") in f.data()
        ]
        if not controls:
            self.skips["bookmark: no bookmark control on the page"] += 1
            return
        opening = controls[0]  # posts in order: page 1 starts with the topic's opening post
        if any(b.get("aria-pressed") == "true" for b in opening.buttons):
            self.skips["bookmark: topic already bookmarked"] += 1
            return
        post_id = int(re.search(r"/p/(\d+)/bookmark/", opening.attrs["action"]).group(1))
        reply = await self.htmx_post(
            person,
            "bookmark (htmx POST)",
            self.target(url, opening),
            opening.data(),
            page_url=url,
            target=f"post-bookmark-{post_id}",
        )
        if reply.status == 200 and b'aria-pressed="true"' in reply.body:
            self.log_write(person, "bookmark", topic_id=entry[0], post_id=post_id)
        else:
            self.log_other(person, "bookmark", reply, topic_id=entry[0], post_id=post_id)

    async def write_vote(self, person):
        # Only first votes: each logged vote is then one new ballot in the database.
        while person.polls_left:
            poll = person.polls_left.pop()
            url = self.adapter.topic(poll["topic"] + [1], 1)
            page = await self.fetch(person, "topic page 1", "GET", url)
            if page.status != 200:
                continue
            found = [
                f
                for f in forms_in(page.text, f"/polls/{poll['pk']}/vote/")
                if not any(name == "change" for name, _ in f.data())
            ]
            if found:
                await self._vote(person, poll, url, page.text, found[0])
                return
        self.skips["vote: no open poll left this member may vote in"] += 1

    async def _vote(self, person, poll, url, html, form):
        rng = person.rng
        data = [(k, v) for k, v in form.data() if k != "change"]
        chosen = {}
        for name, values in form.choices("radio").items():  # single choice, or a rating each
            chosen[name] = rng.choice(values)
        for name, values in form.choices("checkbox").items():  # multiple choice
            low, high = 1, len(values)
            limits = re.search(r"\(choose (?:at least )?(\d+)(?:–(\d+))?\)", html)
            if limits:
                low = int(limits.group(1))
                high = int(limits.group(2) or (low if "at least" not in limits.group(0) else high))
            chosen[name] = rng.sample(values, rng.randint(low, max(low, min(high, len(values)))))
        ranked = [name for name in form.selects if name.startswith("rank_")]
        if ranked:  # ranked choice: 1, 2, … for some of the options, the rest blank
            order = rng.sample(ranked, rng.randint(1, len(ranked)))
            chosen.update({name: str(n) for n, name in enumerate(order, 1)})
            chosen.update({name: "" for name in ranked if name not in order})
        data = [(k, v) for k, v in data if k not in chosen]
        for name, value in chosen.items():
            data.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        reply = await self.htmx_post(
            person,
            "poll vote (htmx POST)",
            self.target(url, form),
            data,
            page_url=url,
            target=f"poll-{poll['pk']}",
        )
        # htmx swaps 2xx only, so a refused vote answers 200 with the reason in the box.
        if (
            reply.status == 200
            and b"You voted in this poll" in reply.body
            and b"poll__error" not in reply.body
            and b"errorlist" not in reply.body
        ):
            self.log_write(
                person, "poll_vote", poll_id=poll["pk"], topic_id=poll["topic"][0], choices=chosen
            )
        else:
            self.log_other(person, "poll_vote", reply, poll_id=poll["pk"], choices=chosen)

    # -- people --

    async def one_at_a_time(self):
        """Each read --alone times, one request at a time, by the first member and the first
        visitor: what a page costs with nothing queued before it, beside what it costs in
        the crowd."""
        if self.args.alone <= 0:
            return
        self.recording_alone = True
        try:
            for role in ("member", "visitor"):
                person = next((p for p in self.people if p.role == role), None)
                if person is None:
                    continue
                for action in self.mix[role]:
                    for _ in range(self.args.alone):
                        await self.read(person, action)
        finally:
            self.recording_alone = False

    async def act(self, person):
        rng = person.rng
        if person.role == "member" and self.write_mix and rng.random() < self.args.write_share:
            action = self.weighted(rng, self.write_mix)
            self.actions[f"write: {action}", person.role] += 1
            await getattr(self, f"write_{action}")(person)
        else:
            action = self.weighted(rng, self.mix[person.role])
            self.actions[action, person.role] += 1
            await self.read(person, action)

    async def live(self, person):
        rng = person.rng
        # Arrivals spread over the first think time, as people do not all click at once.
        await asyncio.sleep(min(rng.expovariate(1 / self.args.think), self.args.think * 3))
        while self.now() < self.end:
            await self.act(person)
            pause = rng.expovariate(1 / self.args.think) if self.args.think > 0 else 0
            remaining = self.end - self.now()
            if remaining <= 0:
                break
            await asyncio.sleep(min(pause, remaining))

    def make_people(self) -> list[Person]:
        args = self.args
        members = round(args.people * args.members_share)
        accounts = self.adapter.accounts()
        if len(accounts) < members:
            raise SystemExit(f"{members} members wanted, the targets have {len(accounts)} accounts")
        people = []
        for index in range(args.people):
            # Seeded per person, so a run's choices repeat with the same --seed.
            rng = random.Random(f"{args.seed}-{index}")  # noqa: S311
            if index < members:
                person = Person(index, "member", rng, account=accounts[index])
                polls = {poll["pk"]: poll for poll in self.targets.get("polls", [])}
                mine = person.account.get("polls")
                person.polls_left = [polls[pk] for pk in mine] if mine is not None else []
                rng.shuffle(person.polls_left)
            else:
                person = Person(index, "visitor", rng)
            people.append(person)
        return people

    async def main(self) -> dict:
        args = self.args
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        timeout = aiohttp.ClientTimeout(total=args.timeout)
        headers = {
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) hearth-bench-load/1",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en",
        }
        async with aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers=headers,
            cookie_jar=aiohttp.DummyCookieJar(),  # each person keeps their own cookies
        ) as self.session:
            self.people = self.make_people()
            members = [p for p in self.people if p.role == "member"]
            print(
                f"signing in {len(members)} members through {self.adapter.login_path}",
                file=sys.stderr,
            )
            t0 = self.now()
            gate = asyncio.Semaphore(args.sign_in_concurrency)

            async def signed(person):
                async with gate:
                    return person, await self.sign_in(person)

            failures = [
                (p.account["username"], why)
                for p, why in await asyncio.gather(*(signed(p) for p in members))
                if why
            ]
            sign_in_seconds = self.now() - t0
            if failures:
                for username, why in failures[:10]:
                    print(f"sign-in failed for {username}: {why}", file=sys.stderr)
                raise SystemExit(f"{len(failures)} of {len(members)} members could not sign in")
            print(f"signed in {len(members)} members in {sign_in_seconds:.1f} s", file=sys.stderr)
            await self.one_at_a_time()

            t0 = self.now()
            self.start = t0 + args.warmup
            self.end = self.start + args.duration
            print(
                f"{args.people} people ({len(members)} members) for {args.warmup:g} s of warm-up "
                f"then {args.duration:g} s on the clock, think {args.think:g} s; run {self.run_id}",
                file=sys.stderr,
            )
            everyone = asyncio.gather(*(self.live(p) for p in self.people))
            await asyncio.sleep(max(0.0, self.start - self.now()))
            if args.clock_file:  # for a profiler sampling the measured seconds only
                Path(args.clock_file).touch()
            started_wall = datetime.now(UTC)
            machine_before = machine_sample()
            redis_before = await asyncio.to_thread(redis_sample, args.redis_url)
            usage_before = resource.getrusage(resource.RUSAGE_SELF)
            await asyncio.sleep(max(0.0, self.end - self.now()))
            machine_after = machine_sample()
            redis_after = await asyncio.to_thread(redis_sample, args.redis_url)
            usage_after = resource.getrusage(resource.RUSAGE_SELF)
            # People finish what they were doing; someone checking a reply keeps reading.
            await everyone
            while self.checks:
                await asyncio.gather(*list(self.checks))
            drained = self.now() - self.end
        self.writes_log.close()
        self.writes_other_log.close()
        return self.report(
            started_wall=started_wall,
            sign_in_seconds=sign_in_seconds,
            drained=drained,
            machine=(machine_before, machine_after),
            redis=(redis_before, redis_after),
            usage=(usage_before, usage_after),
        )

    # -- the report --

    def report(self, *, started_wall, sign_in_seconds, drained, machine, redis, usage) -> dict:
        args, duration = self.args, self.args.duration
        kinds = []
        for kind, who in sorted(set(self.stats.latencies) | set(self.stats.outside)):
            ordered = sorted(self.stats.latencies.get((kind, who), []))
            errors = self.stats.errors[kind, who]
            kinds.append(
                {
                    "kind": kind,
                    "who": who,
                    "requests": len(ordered),
                    "req_per_s": round(len(ordered) / duration, 2),
                    "p50_ms": ms(percentile(ordered, 0.50)),
                    "p95_ms": ms(percentile(ordered, 0.95)),
                    "p99_ms": ms(percentile(ordered, 0.99)),
                    "max_ms": ms(ordered[-1] if ordered else None),
                    "errors": sum(errors.values()),
                    "error_reasons": dict(errors),
                    "outside_the_window": dict(self.stats.outside[kind, who]),
                    "alone_p50_ms": ms(
                        percentile(sorted(self.alone.latencies.get((kind, who), [])), 0.5)
                    ),
                }
            )
        total = sum(k["requests"] for k in kinds)
        all_latencies = sorted(itertools.chain.from_iterable(self.stats.latencies.values()))
        delays = sorted(v["delay_s"] for v in self.visible if v["delay_s"] is not None)
        (cpu_before, load_before), (cpu_after, load_after) = machine
        busy = cpu_after[0] - cpu_before[0]
        idle = cpu_after[1] - cpu_before[1]
        self_cpu = (usage[1].ru_utime - usage[0].ru_utime) + (usage[1].ru_stime - usage[0].ru_stime)
        return {
            "run": self.run_id,
            "server": self.adapter.name,
            "base_url": self.base,
            "started_at": started_wall.isoformat(timespec="seconds"),
            "config": {
                key: shown(value) if key in PATH_OPTIONS else value
                for key, value in vars(args).items()
                if key not in ("mix", "write_mix")
            }
            | {"mix": self.mix, "write_mix": self.write_mix, "not_offered": self.not_offered},
            "people": {
                "members": sum(p.role == "member" for p in self.people),
                "visitors": sum(p.role == "visitor" for p in self.people),
                "sign_in_seconds": round(sign_in_seconds, 1),
            },
            "targets": {
                "topics": len(self.topics),
                "categories": len(self.targets["categories"]),
                "tags": len(self.targets.get("tags", [])),
                "open_polls": len(self.targets.get("polls", [])),
            },
            "overall": {
                "requests": total,
                "req_per_s": round(total / duration, 2),
                "errors": sum(k["errors"] for k in kinds),
                "p50_ms": ms(percentile(all_latencies, 0.50)),
                "p95_ms": ms(percentile(all_latencies, 0.95)),
                "p99_ms": ms(percentile(all_latencies, 0.99)),
                "drain_after_window_s": round(drained, 2),
            },
            "kinds": kinds,
            "actions": [
                {"action": action, "who": who, "count": n}
                for (action, who), n in sorted(self.actions.items())
            ],
            "writes": {
                "succeeded": {k: n for (k, outcome), n in self.writes.items() if outcome == "ok"},
                "refused": {
                    k: n for (k, outcome), n in self.writes.items() if outcome == "refused"
                },
                "unknown_outcome": {
                    k: n for (k, outcome), n in self.writes.items() if outcome == "unknown"
                },
                "skipped": dict(self.skips),
                "log": shown(args.writes_log),
                "other_log": shown(args.writes_other_log),
            },
            "reply_visible": {
                "replies_checked": len(self.visible),
                "visible": len(delays),
                "not_visible_within_s": args.visible_timeout,
                "not_visible": len(self.visible) - len(delays),
                "under_1s": sum(d < 1 for d in delays),
                "p50_ms": ms(percentile(delays, 0.50)),
                "p95_ms": ms(percentile(delays, 0.95)),
                "max_ms": ms(delays[-1] if delays else None),
                "first_read_showed_it": sum(
                    v["attempts"] == 1 for v in self.visible if v["delay_s"] is not None
                ),
                "pages_served_without_it": sum(v["pages_without_it"] for v in self.visible),
                "failed_reads": sum(v["failed_reads"] for v in self.visible),
                "checks": self.visible,
            },
            "redis": redis_report(*redis, duration),
            "machine": {
                "cpus": os.cpu_count(),
                "cpu_busy_percent": round(100 * busy / (busy + idle), 1) if busy + idle else None,
                "load_average_before": load_before,
                "load_average_after": load_after,
                "load_generator_cpu_s": round(self_cpu, 2),
                "load_generator_cpu_percent_of_one_core": round(100 * self_cpu / duration, 1),
            },
            "sign_in": [
                {
                    "kind": kind,
                    "requests": len(lat),
                    "p50_ms": ms(percentile(sorted(lat), 0.5)),
                    "errors": dict(self.prelude.errors[kind, who]),
                }
                for (kind, who), lat in sorted(self.prelude.latencies.items())
            ],
        }


PATH_OPTIONS = ("targets", "out", "writes_log", "writes_other_log")


def shown(path: str) -> str:
    """A path as the results should carry it: relative to where the run started, so that
    committed results do not name the machine's directories."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def machine_sample():
    """(busy jiffies, idle jiffies) over all CPUs from /proc/stat, and the load average."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        return (0, 0), None
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle, idle), load


def redis_sample(url):
    if not url:
        return None
    import redis  # Hearth's own dependency; only needed when the hit rate is wanted

    client = redis.Redis.from_url(url)
    where = client.connection_pool.connection_kwargs
    try:
        stats = client.info("stats")
        clients = client.client_list()
        keys = client.dbsize()
    finally:
        client.close()
    return {
        "server": f"{where.get('host')}:{where.get('port')}",
        "hits": stats["keyspace_hits"],
        "misses": stats["keyspace_misses"],
        "db": where.get("db", 0),
        "keys": keys,
        "clients": clients,
        "at": time.time(),
    }


def redis_report(before, after, duration):
    if not before or not after:
        return {"measured": False}
    hits = after["hits"] - before["hits"]
    misses = after["misses"] - before["misses"]
    # INFO stats count every database of the server: name the clients of other databases
    # that sent a command during the window, whose lookups are in these figures too.
    window = after["at"] - before["at"]
    others = [
        {
            "db": int(c["db"]),
            "name": c.get("name", ""),
            "cmd": c.get("cmd", ""),
            "idle_s": int(c["idle"]),
        }
        for c in after["clients"]
        if int(c["db"]) != after["db"]
        and int(c["idle"]) < window
        and c.get("cmd") not in ("client|list", "info")
    ]
    return {
        "measured": True,
        "server": after["server"],
        "db": after["db"],
        "keyspace_hits": hits,
        "keyspace_misses": misses,
        "hit_rate": round(hits / (hits + misses), 4) if hits + misses else None,
        "lookups_per_s": round((hits + misses) / duration, 1),
        "keys_in_db_after": after["keys"],
        "other_db_clients_active_in_window": others,
    }


# --- output ----------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    c, o = result["config"], result["overall"]
    lines = [
        f"## Mixed load on {result['server']}, {result['started_at']} (run {result['run']})",
        "",
        f"{c['people']} people ({result['people']['members']} members, "
        f"{result['people']['visitors']} visitors) for {c['duration']:g} s"
        + (f" after {c['warmup']:g} s of warm-up" if c["warmup"] else "")
        + f", think time "
        f"{c['think']:g} s (exponential), Zipf s = {c['zipf_s']} over "
        f"{result['targets']['topics']:,} topics; "
        + (
            f"writes {c['write_share']:.0%} of member actions. "
            if c["write_mix"]
            else "reads only. "
        )
        + f"Members signed in beforehand in {result['people']['sign_in_seconds']} s.",
        "",
        "| kind | who | requests | req/s | p50 ms | p95 ms | p99 ms | errors | alone, p50 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for k in result["kinds"]:
        reasons = ", ".join(f"{r}: {n}" for r, n in k["error_reasons"].items())
        p50, p95, p99, alone = (cell(k[q]) for q in ("p50_ms", "p95_ms", "p99_ms", "alone_p50_ms"))
        lines.append(
            f"| {k['kind']} | {k['who']} | {k['requests']:,} | {k['req_per_s']} | {p50} | {p95} "
            f"| {p99} | {k['errors']}{f' ({reasons})' if reasons else ''} | {alone} |"
        )
    lines.append(
        f"| **all** | | **{o['requests']:,}** | **{o['req_per_s']}** | {o['p50_ms']} | "
        f"{o['p95_ms']} | {o['p99_ms']} | **{o['errors']}** | |"
    )
    w = result["writes"]
    writes = "**Writes**: succeeded " + fmt_counts(w["succeeded"])
    if w["refused"] or w["unknown_outcome"]:
        writes += f"; refused {fmt_counts(w['refused'])}"
        writes += f"; no definite answer {fmt_counts(w['unknown_outcome'])}"
    if w["skipped"]:
        writes += "; skipped: " + "; ".join(f"{r} ({n})" for r, n in w["skipped"].items())
    lines += ["", writes + "."]
    v = result["reply_visible"]
    if v["replies_checked"]:
        lines += [
            "",
            f"**Reply visible** to another person on the topic's last page: "
            f"{v['visible']} of {v['replies_checked']} replies seen, {v['under_1s']} under 1 s; "
            f"p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms, max {v['max_ms']} ms "
            f"(the first read showed it for {v['first_read_showed_it']}); "
            f"not seen within {v['not_visible_within_s']:g} s: {v['not_visible']}; "
            f"pages served without the reply after it was posted: "
            f"{v['pages_served_without_it']}; checking reads that failed: {v['failed_reads']}.",
        ]
    r = result["redis"]
    if r.get("measured"):
        others = r["other_db_clients_active_in_window"]
        other_dbs = ", ".join(f"db {n}" for n in sorted({x["db"] for x in others}))
        lines += [
            "",
            f"**Redis** ({r['server']}, Hearth on db {r['db']}; INFO stats over the window, "
            "which count every client of the server): "
            f"{r['keyspace_hits']:,} hits, {r['keyspace_misses']:,} misses, hit rate "
            f"**{r['hit_rate']:.1%}**, {r['lookups_per_s']:,} lookups/s; clients of other "
            f"databases active meanwhile: {len(others)}"
            + (f" ({other_dbs})" if others else "")
            + ".",
        ]
    m = result["machine"]
    lines += [
        "",
        f"**Machine**: {m['cpus']} CPUs {m['cpu_busy_percent']} % busy during the window "
        f"(everything on the machine, this generator included: "
        f"{m['load_generator_cpu_percent_of_one_core']} % of one core); load average "
        f"{m['load_average_before']} before, {m['load_average_after']} after.",
    ]
    if c["not_offered"]:
        lines.append(
            f"Not offered by this server, left out of the mix: {', '.join(c['not_offered'])}."
        )
    return "\n".join(lines) + "\n"


def cell(value) -> str:
    return "" if value is None else str(value)


def fmt_counts(counts: dict) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none"


def weights(text: str, defaults: dict) -> dict:
    mix = dict(defaults)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in defaults:
            raise argparse.ArgumentTypeError(
                f"unknown action {name!r} (one of {', '.join(defaults)})"
            )
        mix[name] = float(value)
    return mix


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url", default="http://127.0.0.1:8196")
    p.add_argument("--server", choices=sorted(ADAPTERS), default="hearth")
    p.add_argument(
        "--targets", required=True, help="JSON from bench/load_setup.py (or run_load.sh)"
    )
    p.add_argument("--people", type=int, default=200)
    p.add_argument("--duration", type=float, default=60, help="seconds on the clock")
    p.add_argument("--think", type=float, default=2.0, help="mean think time, seconds")
    p.add_argument(
        "--warmup", type=float, default=0, help="seconds of the same load before the clock starts"
    )
    p.add_argument(
        "--clock-file", help="a file created when the clock starts (after sign-in and warm-up)"
    )
    p.add_argument("--members-share", type=float, default=0.7)
    p.add_argument("--write-share", type=float, default=0.05, help="of a member's actions")
    p.add_argument("--reads-only", action="store_true")
    p.add_argument(
        "--mix",
        type=lambda s: weights(s, DEFAULT_MIX),
        default=DEFAULT_MIX,
        help="read weights, e.g. topic=55,search-common=0 ("
        + ",".join(f"{k}={v}" for k, v in DEFAULT_MIX.items())
        + ")",
    )
    p.add_argument(
        "--write-mix",
        type=lambda s: weights(s, DEFAULT_WRITE_MIX),
        default=DEFAULT_WRITE_MIX,
        help="write weights (reply=1,reaction=1,vote=1,bookmark=1)",
    )
    p.add_argument("--zipf-s", type=float, default=1.1)
    p.add_argument("--last-page-share", type=float, default=0.5)
    p.add_argument("--timeout", type=float, default=10, help="per request, seconds")
    p.add_argument("--visible-timeout", type=float, default=10)
    p.add_argument("--visible-interval", type=float, default=0.1)
    p.add_argument("--sign-in-concurrency", type=int, default=8)
    p.add_argument(
        "--alone",
        type=int,
        default=5,
        help="before the clock, each read this many times one request at a time (0: none)",
    )
    p.add_argument("--redis-url", default="", help="the Redis the server uses, for the hit rate")
    p.add_argument("--seed", default="hearth-load")
    p.add_argument("--out", default="load.json")
    p.add_argument("--writes-log", default="writes.jsonl")
    p.add_argument("--writes-other-log", default="writes-other.jsonl")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with open(args.targets) as f:
        targets = json.load(f)
    adapter = ADAPTERS[args.server](targets)
    result = asyncio.run(Run(args, adapter, targets).main())
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    sys.stdout.write(markdown(result))


if __name__ == "__main__":
    main()
