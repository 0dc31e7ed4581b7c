"""The demo content library for `seed_demo`: three ordered collections ("Getting started"
featured, "Release notes", and "Beta program documents" for the Beta Program group only)
holding every kind of resource: Markdown articles, external links and uploaded files.

The files are made here, byte for byte, on every run: a one-page PDF quick-start guide (in
two versions), CSV tables and a PNG chart, plus PNG covers. Nothing is fetched and nothing
binary is kept in the repository. They are uploaded through library.services like any
manager's upload, so the library's byte sniffing judges them as it would a real file.

Tags are the demo forum's, some resources point back to the demo topics they grew out of,
and page views and downloads are counted through the services the pages call. Two articles
are promoted from answered demo questions through library.promotion, as the moderator does
it from the topic page, so they credit the members who asked and answered (Maya on both)."""

from __future__ import annotations

import csv
import io
import random
import textwrap
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageColor, ImageDraw, ImageFont
from tqdm import tqdm

from demo.forums import BETA_GROUP_NAME
from demo.groups import DEMO_MANAGER_USERNAME
from demo.members import DEMO_BRANDING
from forums.models import ReactionKind, Tag, Topic
from forums.services.reading import SETTLE_BUCKETS, views_and_reads_flush
from library.engagement import resource_reaction_add, resource_share
from library.models import LibraryAccess, Resource, ResourceKind
from library.promotion import promotion_draft, resource_promote
from library.services import (
    collection_access_grant,
    collection_create,
    file_download_record,
    file_version_add,
    resource_access_grant,
    resource_create,
    resource_update,
    resource_view_count,
)
from members.models import User
from members.permissions import community_members

# Who may promote a topic, tried in this order: the moderator, then the community manager.
PROMOTERS = ("omar", DEMO_MANAGER_USERNAME)
PRIMARY = ImageColor.getrgb(DEMO_BRANDING["primary_color"])
ACCENT = ImageColor.getrgb(DEMO_BRANDING["accent_color"])


# --- Files, generated ----------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252") + b")"


def pdf_document(*, title: str, blocks: list[tuple[str, str]]) -> bytes:
    """A one-page A4 PDF: a coloured band with `title`, then `blocks` of ("h", heading),
    ("p", paragraph) or ("li", list item), in the standard Helvetica fonts (no font is
    embedded, so the file stays a few kilobytes). Written by hand rather than rendered:
    the demo must seed on a machine without any PDF library or system fonts."""
    band = b"%.3f %.3f %.3f rg" % tuple(channel / 255 for channel in PRIMARY)
    ops = [band + b" 0 770 595 72 re f", b"BT /F2 24 Tf 1 1 1 rg 56 795 Td"]
    ops += [_pdf_string(title) + b" Tj ET", b"0.1 0.1 0.1 rg"]
    y = 730
    for style, text in blocks:
        if style == "h":
            y -= 10
            ops.append(b"BT /F2 15 Tf 56 %d Td " % y + _pdf_string(text) + b" Tj ET")
            y -= 22
            continue
        indent, width, prefix = (72, 74, "- ") if style == "li" else (56, 80, "")
        for number, line in enumerate(textwrap.wrap(text, width)):
            shown = (prefix if number == 0 else "  ") + line if prefix else line
            ops.append(b"BT /F1 11 Tf %d %d Td " % (indent, y) + _pdf_string(shown) + b" Tj ET")
            y -= 15
        y -= 5
    content = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Title " + _pdf_string(title) + b" /Producer (Hearth demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def quick_start_pdf(*, release: str) -> bytes:
    """The quick-start guide as it stood for `release` ("5.0" or "5.1": 5.1 adds a section)."""
    blocks = [
        ("p", f"Everything a new team needs in its first hour with Acme {release}. Keep it "
              "next to you while you set up your workspace; the community is there for the rest."),
        ("h", "1. Set up your workspace"),
        ("li", "Invite your colleagues from Settings > People; give admins the Editor role."),
        ("li", "Create one team space per department so permissions stay simple."),
        ("li", "Import your records with Bulk import: a CSV with a header row is enough."),
        ("h", "2. Build your first dashboard"),
        ("li", "Start from a saved filter, then add charts with the dashboard builder."),
        ("li", "Share the dashboard with a group rather than with people one by one."),
        ("h", "3. Stay in the loop"),
        ("li", "Turn on the Slack app for alerts on overdue items and failed imports."),
        ("li", "Watch the Announcements category in the community for release news."),
    ]  # fmt: skip
    if release >= "5.1":
        blocks += [
            ("h", f"New in {release}: reports for people without a seat"),
            ("p", "Schedule any saved view as a CSV export and add the recipients' addresses: "
                  "managers receive it every Monday at 07:00 without an Acme account."),
        ]  # fmt: skip
    blocks += [
        ("h", "Where to get help"),
        ("p", "Ask in Product Q&A in the Acme Customer Community: customers and Acme staff "
              "answer, and the answer that helped is marked for the next person."),
    ]  # fmt: skip
    return pdf_document(title=f"Acme {release} quick-start guide", blocks=blocks)


def _csv(rows: list[tuple]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


RELEASES = (
    ("4.2", "2025-01-14"), ("4.3", "2025-04-08"), ("4.4", "2025-07-01"),
    ("5.0", "2025-10-07"), ("5.1", "2026-01-20"),
)  # fmt: skip


def release_adoption(rng: random.Random) -> list[tuple[str, str, int, float, int]]:
    """Per release: version, release date, workspaces on it, their share and the median days
    they took to upgrade. Newer releases hold more workspaces, as upgrades accumulate."""
    counts = [int(rng.uniform(30, 90) * (index + 1) ** 1.6) for index in range(len(RELEASES))]
    total = sum(counts)
    return [
        (version, date, count, round(100 * count / total, 1), int(rng.uniform(9, 40)))
        for (version, date), count in zip(RELEASES, counts, strict=True)
    ]


def release_adoption_csv(adoption: list[tuple]) -> bytes:
    header = ("version", "released", "workspaces", "share_percent", "median_days_to_upgrade")
    return _csv([header, *adoption])


def beta_feedback_csv(rng: random.Random) -> bytes:
    areas = ("Timeline view", "Dashboard builder", "Mobile app", "Scheduled exports", "Webhooks")
    summaries = (
        "Zoom buttons hard to find", "Freezes with lists over 500 rows", "Faster than 5.1",
        "Export misses custom fields", "Retry count not shown", "Dark mode contrast too low",
        "Filters reset after refresh", "Much better on tablets",
    )  # fmt: skip
    statuses = ("fixed in next build", "investigating", "planned", "won't fix")
    rows = [("id", "build", "area", "summary", "status", "votes")]
    for number, summary in enumerate(summaries, 1):
        rows.append(
            (
                f"B6-{100 + number}",
                "beta 6",
                rng.choice(areas),
                summary,
                rng.choices(statuses, weights=(4, 3, 2, 1))[0],
                int(rng.expovariate(1 / 8)) + 1,
            )
        )
    return _csv(rows)


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def adoption_chart_png(adoption: list[tuple]) -> bytes:
    """A bar chart of each release's share of workspaces."""
    width, height, left, bottom = 800, 450, 70, 390
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((left, 20), "Workspaces by Acme release", fill=(20, 20, 20), font=_font(24))
    top_share = max(row[3] for row in adoption) or 1
    slot = (width - left - 30) / len(adoption)
    for index, (version, _date, _count, share, _days) in enumerate(adoption):
        x = left + index * slot + slot * 0.2
        bar_top = bottom - (bottom - 90) * share / top_share
        draw.rectangle((x, bar_top, x + slot * 0.6, bottom), fill=PRIMARY)
        draw.text((x, bar_top - 24), f"{share} %", fill=(20, 20, 20), font=_font(16))
        draw.text((x, bottom + 10), f"Acme {version}", fill=(60, 60, 60), font=_font(16))
    draw.line((left - 10, bottom, width - 20, bottom), fill=(120, 120, 120), width=2)
    return _png(image)


def cover_png(title: str, *, colour: tuple[int, int, int]) -> bytes:
    """A simple cover: the title on a band of `colour` fading to white."""
    width, height = 960, 400
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for x in range(width):
        fade = x / width * 0.7
        draw.line((x, 0, x, height), fill=tuple(int(c + (255 - c) * fade) for c in colour), width=1)
    draw.text((48, 150), title, fill="white", font=_font(44))
    return _png(image)


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Articles ---------------------------------------------------------------------------

FIRST_WEEK = """\
Most teams are up and running within a week. This is the order that works best for them.

## Day 1: people and spaces

- Invite your colleagues and give two of them the **Editor** role
- Create one team space per department
- Turn on two-factor sign-in for everyone

## Days 2–3: your data

1. Export your records from the old tool as CSV
2. Run a **Bulk import** on a copy of the workspace first
3. Check the custom fields, then import for real

## Days 4–5: reports

- Save the filters your team uses every day
- Build one dashboard per team, not one per person
- Schedule the weekly export (see the *scheduled exports* recipe in this library)

Stuck? Ask in [Product Q&A](/forums/c/product-qa/): someone has done it before.
"""

WHATS_NEW = """\
Acme 5.1 is rolling out to every workspace this month.

## Highlights

- **Scheduled exports for people without a seat**: CSV every week, by e-mail
- **The dashboard builder** is up to three times faster on large accounts
- **Webhooks** retry with back-off for 24 hours and show each delivery

## Also in this release

- Saved filters remember their sort order
- The mobile app opens dashboards offline
- Dozens of fixes, most of them reported here in the community

## Upgrading

Nothing to do: workspaces move to 5.1 automatically. API clients keep working; the
`/v1/exports` endpoint is deprecated and answers until the end of the year.
"""

BETA_TEST_PLAN = """\
Thank you for testing beta 6! This build is about the **timeline view**.

## What to try

1. Open a timeline with more than 1,000 items
2. Zoom in and out, then drag an item to another week
3. Share the timeline with a group

## What to report

- Anything slower than in 5.1
- Where you looked for the zoom buttons
- Any item that lands on the wrong day after a drag

## How to report

Post in the Beta Program category with the tag *beta-feedback*, one topic per problem.
The feedback tracker in this collection shows what the product team has picked up.
"""


# --- Promoted from the forum --------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    """An answered demo topic made into an article the way a moderator does it from the topic
    page: the promotion's prefilled draft (the accepted answer and a line back to the
    discussion), with an introduction before it and what to watch out for after it, crediting
    everyone the draft proposes (the topic's author and the accepted answer's)."""

    topic: str  # the demo forum story's title (demo.forums)
    intro: str
    watch_out: tuple[str, ...]


EXPORT_PROMOTION = Promotion(
    topic="How do I schedule a weekly CSV export for managers without a seat?",
    intro=(
        "Managers who have no Acme seat can still get the numbers every Monday: Acme e-mails "
        "a saved view to any address as a CSV file. This recipe started as a question in "
        "Product Q&A, and the accepted answer below is the whole of it."
    ),
    watch_out=(
        "The export follows the saved view's filters: change the view and next Monday's file "
        "changes too. Keep a view just for the export.",
        "Everyone on the list receives every row the view shows, seat or not: check it holds "
        "nothing they should not read.",
        "When a manager leaves, take their address off the schedule; the e-mails keep going "
        "to it until someone does.",
    ),
)

WEBHOOK_PROMOTION = Promotion(
    topic="Webhook retries: how many times does Acme try?",
    intro=(
        "An endpoint that is down for a while does not lose Acme's webhooks. A member asked "
        "in API & integrations whether Acme retries the deliveries it could not make, and "
        "another, who had checked, answered."
    ),
    watch_out=(
        "Retries stop after 24 hours. After a longer outage, look for the failed deliveries "
        "in *Settings → Webhooks → Deliveries*.",
        "A retried delivery can arrive twice: make the endpoint ignore an event it has "
        "already handled.",
        "Retried deliveries can arrive out of order: rely on the event's time, not on when "
        "it arrived.",
    ),
)


# --- The library ------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourcePlan:
    slug: str  # empty for a promotion, which makes its own from the title
    kind: str
    title: str
    summary: str
    access: str
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # titles of demo topics it grew out of
    body: str = ""
    url: str = ""
    files: tuple[tuple[str, bytes, str], ...] = ()  # versions: name, bytes, browser's type
    cover: tuple[int, int, int] | None = None
    featured: bool = False
    popularity: float = 1.0  # how often it is read and downloaded, relative to the others
    promotion: Promotion | None = None  # promoted from an answered topic, not written here


@dataclass
class DemoLibraryResult:
    collections: int = 0
    resources: int = 0
    versions: int = 0
    views: int = 0
    downloads: int = 0
    promoted: int = 0  # articles promoted from answered topics
    reactions: int = 0
    shares: int = 0
    created: list[tuple[Resource, ResourcePlan]] = field(default_factory=list)


PDF, CSV, PNG = "application/pdf", "text/csv", "image/png"


def resource_plans(rng: random.Random) -> dict[str, list[ResourcePlan]]:
    """The collections' contents, in order, by collection slug."""
    adoption = release_adoption(rng)
    public, members, private = LibraryAccess.PUBLIC, LibraryAccess.MEMBERS, LibraryAccess.PRIVATE
    article, link, file = ResourceKind.ARTICLE, ResourceKind.LINK, ResourceKind.FILE
    return {
        "getting-started": [
            ResourcePlan(
                "acme-quick-start-guide", file, "Acme quick-start guide",
                "One page to print: workspace, first dashboard, alerts, and where to get help.",
                public, tags=("how-to",), sources=("Welcome to the Acme Customer Community",),
                files=(
                    ("Acme quick-start guide (5.0).pdf", quick_start_pdf(release="5.0"), PDF),
                    ("Acme quick-start guide (5.1).pdf", quick_start_pdf(release="5.1"), PDF),
                ),
                cover=PRIMARY, featured=True, popularity=3,
            ),
            ResourcePlan(
                "your-first-week-with-acme", article, "Your first week with Acme",
                "A day-by-day plan for new teams: people, data, then reports.",
                public, tags=("how-to",), body=FIRST_WEEK, cover=ACCENT, popularity=2,
            ),
            ResourcePlan(
                "", article,
                "Recipe: a weekly CSV export for managers without a seat",
                "Schedule a saved view as a CSV e-mailed every Monday.",
                members, tags=("reporting", "how-to"), promotion=EXPORT_PROMOTION,
                popularity=1.5,
            ),
            ResourcePlan(
                "acme-help-centre", link, "Acme help centre",
                "The official documentation: every setting, explained.",
                public, url="https://help.acme.example/",
            ),
        ],
        "release-notes": [
            ResourcePlan(
                "whats-new-in-acme-5-1", article, "What's new in Acme 5.1",
                "Scheduled exports for everyone, a faster dashboard builder, webhook retries.",
                public, tags=("reporting", "api"), body=WHATS_NEW, cover=PRIMARY,
                popularity=2,
            ),
            ResourcePlan(
                "", article, "Webhook retries: what happens while your endpoint is down",
                "Acme retries undelivered webhooks with back-off for 24 hours; what to plan for.",
                public, tags=("api",), promotion=WEBHOOK_PROMOTION, popularity=1.2,
            ),
            ResourcePlan(
                "release-adoption-by-version", file, "Release adoption by version",
                "How many workspaces run each release and how quickly they upgraded (CSV).",
                members, tags=("reporting",),
                files=(("release-adoption.csv", release_adoption_csv(adoption), CSV),),
            ),
            ResourcePlan(
                "release-adoption-chart", file, "Chart: workspaces by release",
                "The adoption table as a picture, for slides.",
                public, tags=("reporting",),
                files=(("workspaces-by-release.png", adoption_chart_png(adoption), PNG),),
                popularity=0.7,
            ),
            ResourcePlan(
                "api-changelog", link, "API changelog",
                "Every change to the REST API and webhooks, newest first.",
                public, tags=("api",), url="https://developer.acme.example/changelog",
                sources=("Webhook retries: how many times does Acme try?",),
            ),
        ],
        "beta-program-documents": [
            ResourcePlan(
                "beta-6-test-plan", article, "Beta 6 test plan",
                "What to try in beta 6 and how to report it.",
                private, tags=("beta-feedback",), body=BETA_TEST_PLAN, cover=ACCENT,
                sources=("Beta 6: the new timeline view is much faster",), popularity=1.5,
            ),
            ResourcePlan(
                "beta-6-feedback-tracker", file, "Beta 6 feedback tracker",
                "What testers reported and what the product team did with it (CSV).",
                private, tags=("beta-feedback",),
                files=(("beta-6-feedback.csv", beta_feedback_csv(rng), CSV),),
            ),
            ResourcePlan(
                "beta-builds", link, "Beta builds",
                "Download the latest beta build for your test workspace.",
                private, url="https://beta.acme.example/builds",
            ),
        ],
    }  # fmt: skip


COLLECTIONS = (
    # slug, title, summary, access, featured
    ("getting-started", "Getting started",
     "New to Acme? Start here: the quick-start guide, a first-week plan and recipes.",
     LibraryAccess.PUBLIC, True),
    ("release-notes", "Release notes",
     "What changed in each release, and how fast the community upgrades.",
     LibraryAccess.PUBLIC, False),
    ("beta-program-documents", "Beta program documents",
     "Test plans and feedback for the Beta Program's early builds.",
     LibraryAccess.PRIVATE, False),
)  # fmt: skip


@transaction.atomic
def demo_library_create(*, rng: random.Random, progress: bool = False) -> DemoLibraryResult:
    """The demo library, curated by carmen (community manager), on the seeded forum (its
    tags and topics) and groups (the Beta Program's members see the private collection).
    Without carmen there is nobody to curate it and nothing is made."""
    manager = User.objects.filter(username=DEMO_MANAGER_USERNAME).first()
    if manager is None:
        return DemoLibraryResult()
    beta_group = Group.objects.filter(name=BETA_GROUP_NAME).first()
    # The moderator finds "Promote to library" on the topic; the manager stands in for him.
    promoters = list(User.objects.filter(username__in=PROMOTERS))
    promoters.sort(key=lambda user: PROMOTERS.index(user.username))
    plans = resource_plans(rng)
    tags = {tag.slug: tag for tag in Tag.objects.all()}
    result = DemoLibraryResult()
    with tqdm(
        total=sum(len(items) for items in plans.values()),
        unit="resource",
        desc="Library",
        disable=None if progress else True,
    ) as bar:
        for slug, title, summary, access, featured in COLLECTIONS:
            resources = []
            for plan in plans[slug]:
                if plan.promotion is not None:
                    resource = _resource_promote(
                        plan, promoters=promoters, manager=manager, tags=tags, result=result
                    )
                else:
                    resource = _resource_create(plan, manager=manager, tags=tags, result=result)
                if resource is not None:
                    resources.append(resource)
                bar.update(1)
            collection = collection_create(
                actor=manager,
                title=title,
                slug=slug,
                summary=summary,
                access=access,
                is_featured=featured,
                resources=resources,
            )
            result.collections += 1
            if access == LibraryAccess.PRIVATE and beta_group is not None:
                collection_access_grant(collection=collection, group=beta_group)
                for resource in resources:
                    if resource.access == LibraryAccess.PRIVATE:
                        resource_access_grant(resource=resource, group=beta_group)
    _reading_record(result=result, rng=rng, beta_group=beta_group)
    _engagement_record(result=result, rng=rng, beta_group=beta_group)
    return result


def _resource_create(
    plan: ResourcePlan, *, manager: User, tags: dict[str, Tag], result: DemoLibraryResult
) -> Resource:
    files = [_upload(*version) for version in plan.files]
    resource = resource_create(
        actor=manager,
        kind=plan.kind,
        title=plan.title,
        slug=plan.slug,
        summary=plan.summary,
        body=plan.body,
        url=plan.url,
        access=plan.access,
        is_featured=plan.featured,
        tags=[tags[name] for name in plan.tags if name in tags],
        source_topics=Topic.objects.filter(title__in=plan.sources),
        cover=(
            _upload(f"{plan.slug}-cover.png", cover_png(plan.title, colour=plan.cover), PNG)
            if plan.cover
            else None
        ),
        upload=files[0] if files else None,
    )
    for later in files[1:]:
        file_version_add(actor=manager, resource=resource, upload=later)
    result.resources += 1
    result.versions += len(files)
    result.created.append((resource, plan))
    return resource


def _resource_promote(
    plan: ResourcePlan,
    *,
    promoters: list[User],
    manager: User,
    tags: dict[str, Tag],
    result: DemoLibraryResult,
) -> Resource | None:
    """The article `plan.promotion` makes of its answered topic, through the library's
    promotion service as the first of `promoters` who may promote in the topic's category,
    crediting the people the draft proposes; the manager then tags it, as she would in the
    admin. None when the forum has no such answered topic (seeded without its stories)."""
    promotion = plan.promotion
    topic = (
        Topic.objects.filter(title=promotion.topic, accepted_answer__isnull=False)
        .select_related("category", "author", "accepted_answer")
        .order_by("pk")
        .first()
    )
    if topic is None:
        return None
    for promoter in promoters:
        try:
            draft = promotion_draft(actor=promoter, topic=topic)
        except PermissionDenied:
            continue
        break
    else:
        return None
    # The draft ends with its line back to the discussion, which stays last.
    answer, source_line = draft.body.rsplit("\n\n", 1)
    watch_out = "\n".join(f"- {item}" for item in promotion.watch_out)
    resource = resource_promote(
        actor=promoter,
        topic=topic,
        title=plan.title,
        summary=plan.summary,
        body=(
            f"{promotion.intro}\n\n## The answer\n\n{answer}\n\n"
            f"## What to watch out for\n\n{watch_out}\n\n{source_line}"
        ),
        access=plan.access,
        credited=[candidate.member.pk for candidate in draft.candidates],
    )
    resource = resource_update(
        actor=manager, resource=resource, tags=[tags[name] for name in plan.tags if name in tags]
    )
    result.resources += 1
    result.promoted += 1
    result.created.append((resource, plan))
    return resource


def _reading_record(
    *, result: DemoLibraryResult, rng: random.Random, beta_group: Group | None
) -> None:
    """Page views and downloads, counted by the services the library's pages call. Readers
    are drawn from the people who may see each resource: the Beta Program's members for the
    private ones, any community member for the rest."""
    members = list(community_members().order_by("pk").values_list("pk", flat=True))
    beta = (
        sorted(community_members().filter(groups=beta_group).values_list("pk", flat=True))
        if beta_group is not None
        else []
    )
    counted_at = timezone.now() - timedelta(minutes=SETTLE_BUCKETS + 3)
    for resource, plan in result.created:
        readers = beta if resource.access == LibraryAccess.PRIVATE else members
        if not readers:
            continue
        views = int(rng.uniform(6, 30) * plan.popularity)
        # Counted as the pages count them, in a minute the flush below may already move.
        resource_view_count(resource=resource, views=views, now=counted_at)
        result.views += views
        versions = list(resource.versions.order_by("number"))
        if not versions:
            continue
        downloads = int(views * rng.uniform(0.3, 0.6))
        downloaders = rng.choices(readers, k=downloads)
        people = User.objects.in_bulk(set(downloaders))
        for pk in downloaders:
            # Most take the latest version; a few the earlier ones, before the update.
            version = versions[-1] if rng.random() < 0.8 else rng.choice(versions)
            file_download_record(version=version, user=people[pk])
        result.downloads += downloads
    views_and_reads_flush()


def _engagement_record(
    *, result: DemoLibraryResult, rng: random.Random, beta_group: Group | None
) -> None:
    """Reactions and shares, through the library's services (so shares
    reach the owner's and credited members' support ledger), by members who may see each
    resource; the owner never reacts to their own."""
    members = list(community_members().order_by("pk"))
    beta = set(community_members().filter(groups=beta_group).values_list("pk", flat=True))
    kinds = [ReactionKind.LIKE, ReactionKind.INSIGHTFUL, ReactionKind.THANKS, ReactionKind.HEART]
    for resource, plan in result.created:
        readers = [
            m
            for m in members
            if m.pk != resource.owner_id
            and (resource.access != LibraryAccess.PRIVATE or m.pk in beta)
        ]
        if not readers:
            continue
        reacting = rng.sample(
            readers, k=min(len(readers), int(rng.uniform(2, 9) * plan.popularity))
        )
        for member in reacting:
            kind = rng.choices(kinds, weights=[5, 3, 3, 1])[0]
            result.reactions += resource_reaction_add(resource=resource, user=member, kind=kind)
        for member in rng.sample(readers, k=min(len(readers), rng.randint(0, 4))):
            result.shares += resource_share(resource=resource, user=member)
