"""Demo forum content for `seed_demo`: Acme's customer forum with 18 months of history.

Categories for product Q&A (solved and unanswered questions), ideas, announcements, public
introductions, a private Beta Program category and a members-only lounge; manager-defined
tags; topics and replies
with reactions and accepted answers, and the support acts those imply, so the reciprocity
ledger and the metrics have history. A few scripted stories give the demo log-ins something
to find: maya has unread topics, a reply to her, a question of hers answered and one still
open; omar has a flagged post waiting and a moderation log.

Written in bulk (not through topic_create/post_create): the seed backdates posts, must not
be held to posting rate limits, and `--scale large` writes a million posts. Every counter
(reply_count, last post, category totals, reaction_count) is computed from what is written.
Replies talk about their topic's own words and no body is used in two topics (at --scale
large, bodies come from a pool rendered once each, so the bulk never renders Markdown per
row). View counts go through the topic page's counter and the periodic flush, as real views
do.
`topics_bulk_write` is also what bench/ uses to load the peers' data set."""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from community.markdown import render_markdown
from community.notifications import notification_create
from community.timezones import community_timezone
from demo.members import demo_join_anchor
from forums.models import (
    Bookmark,
    Category,
    CategoryAccess,
    Flag,
    FlagReason,
    ModerationAction,
    ModerationEvent,
    Post,
    Reaction,
    ReactionKind,
    Tag,
    Topic,
    TopicRead,
    TopicViewDay,
    Watch,
    WatchLevel,
)  # fmt: skip
from forums.services.categories import category_access_grant
from forums.services.posts import POSTS_PER_PAGE
from forums.services.reading import SETTLE_BUCKETS, topic_views_record, views_and_reads_flush
from forums.services.topics import topic_slug
from members.models import SupportAct, SupportKind, User

BATCH_POSTS = 5000  # rows per INSERT round: a few hundred statements for a million posts
HISTORY = timedelta(days=548)  # about 18 months
BETA_GROUP_NAME = "Beta Program"
STAFF_USERNAMES = ("carmen", "evan", "omar")


@dataclass(frozen=True)
class ForumScale:
    topics: int
    posts: int  # opening posts included
    reactions_per_post: float  # mean over ordinary posts; answers get more


SCALES = {
    "demo": ForumScale(topics=140, posts=700, reactions_per_post=1.0),
    # The large community of the benchmarks: 1,000,000 posts, the members seed adds 100,000 people.
    "large": ForumScale(topics=100_000, posts=1_000_000, reactions_per_post=0.35),
}

# slug, name, description, access, is_qa, parent slug, share of the topics, replies weight
CATEGORIES = [
    ("announcements", "Announcements", "News from the Acme team: releases, maintenance, events.",
     CategoryAccess.PUBLIC, False, None, 0.06, 0.6),
    ("product-qa", "Product Q&A", "Ask how to do things with Acme; mark the answer that helped.",
     CategoryAccess.PUBLIC, True, None, 0.36, 1.0),
    ("api-integrations", "API & integrations", "Webhooks, the REST API, Salesforce, Slack "
     "and friends.", CategoryAccess.PUBLIC, True, "product-qa", 0.14, 1.0),
    ("ideas", "Ideas", "Suggest improvements and vote for the ones you want.",
     CategoryAccess.PUBLIC, False, None, 0.18, 1.2),
    ("introductions", "Introductions", "New here? Say hello: who you are and what you use "
     "Acme for.", CategoryAccess.PUBLIC, False, None, 0.05, 1.0),
    ("lounge", "Members lounge", "Off-topic chat, for signed-in members.",
     CategoryAccess.MEMBERS, False, None, 0.09, 1.3),
    ("beta-program", "Beta Program", "Early builds and feedback, for the Beta Program group.",
     CategoryAccess.PRIVATE, False, None, 0.12, 1.1),
]  # fmt: skip

# name, description, categories it is offered in (empty: everywhere)
TAGS = [
    ("reporting", "Reports, dashboards and exports.", ()),
    ("billing", "Plans, invoices and seats.", ()),
    ("sso", "Single sign-on and identity providers.", ()),
    ("mobile", "The iOS and Android apps.", ()),
    ("api", "The REST API and webhooks.", ("api-integrations", "ideas", "beta-program")),
    ("how-to", "Step-by-step questions.", ("product-qa", "api-integrations")),
    ("bug", "Something behaves unexpectedly.", ("product-qa", "api-integrations", "beta-program")),
    ("feature-request", "A change you would like to see.", ("ideas",)),
    ("beta-feedback", "Feedback on an early build.", ("beta-program",)),
]  # fmt: skip

FEATURES = (
    "scheduled exports", "the dashboard builder", "custom fields", "user roles", "audit logs",
    "the timeline view", "bulk imports", "saved filters", "approval workflows", "webhooks",
    "the Salesforce sync", "the Slack app", "SAML single sign-on", "invoice history",
    "the mobile app", "two-factor sign-in", "report sharing", "CSV exports", "team spaces",
    "recurring tasks",
)  # fmt: skip
VERSIONS = ("4.0", "4.1", "4.2", "4.3", "4.4", "5.0", "5.1")
GOALS = (
    "send a weekly report to managers who have no Acme seat",
    "limit who can see salary fields",
    "move 40,000 records from our old CRM",
    "keep two workspaces in sync",
    "give contractors read-only access",
    "trigger a workflow when a deal closes",
    "show overdue items on a wall screen",
    "archive last year's projects without losing history",
    "bill two departments separately",
    "get alerts when an import fails",
)  # fmt: skip
TEAMS = ("finance", "support", "sales ops", "IT", "marketing", "operations", "HR")

QA_TITLES = (
    "How do I {goal}?", "Best way to {goal}?",
    "{Feature} stopped working after upgrading to {version}",
    "Is it possible to {goal} with {feature}?", "{Feature}: permission denied for our {team} team",
    "{Feature} is slow with large accounts", "Can {feature} {goal}?",
)  # fmt: skip
QA_OPENINGS = (
    "We are a {team} team of about {n} people and we want to {goal}.\n\n"
    "I looked at **{feature}** but could not find the setting. Has anyone done this?",
    "Since the upgrade to {version}, {feature} fails for some of our users. Steps:\n\n"
    "1. Open {feature}\n2. Pick any saved view\n3. Click *Run*\n\n"
    "The error says `request timed out`. Anyone else seeing this?",
    "Quick one: can {feature} {goal}? Our {team} lead keeps asking and the help centre "
    "does not say either way.",
    "We run Acme {version} in two regions. What is the recommended way to {goal}? "
    "Happy to script it if the API is the answer.",
)  # fmt: skip
ANSWERS = (
    "Yes: open **Settings → {Feature}**, create a rule for the {team} group and set it to "
    "*read-only*. It applies from the next sign-in.",
    "We do exactly this. The trick is to save a filtered view first, then schedule "
    "{feature} on that view:\n\n1. Save the view\n2. *Share → Schedule*\n"
    "3. Add the recipients' addresses (they do not need a seat)",
    "This is a known issue in {version}; the fix ships in the next patch. Until then, "
    "clearing the cached views under *Profile → Advanced* works around it.",
    "You can do it through the API. Something like:\n\n```\n"
    "curl -H \"Authorization: Bearer $TOKEN\" https://api.acme.example/v2/exports\n```\n\n"
    "then post the result to your workflow.",
    "Check the role of those users: {feature} needs the *Editor* role, *Viewer* is not "
    "enough. We hit the same thing with our {team} team.",
)  # fmt: skip
FOLLOW_UPS = (
    "That did it, thank you {name}!",
    "Thanks {name}! One more question: does this also work for archived projects?",
    "Worked for most of our {team} users; two still see the error, I will open a ticket.",
    "Perfect, exactly what I needed for {feature}.",
    "Tried it on {version} this morning and it works. Thanks, {name}.",
)  # fmt: skip
ME_TOOS = (
    "Same here since {version}. Following.",
    "+1, we see this too with {feature}.",
    "Did you find a way around it? We have the same setup.",
)  # fmt: skip
IDEA_TITLES = (
    "Idea: let {feature} {goal}", "Dark mode for {feature}", "Keyboard shortcuts in {feature}",
    "Bulk edit in {feature}", "Let admins {goal}",
)  # fmt: skip
IDEA_OPENINGS = (
    "Our {team} team would save hours a week if Acme could {goal}. Today we export to a "
    "spreadsheet and back.\n\nWho else needs this?",
    "Small one: {feature} could remember the last filter I used. Every morning I set it up again.",
)  # fmt: skip
IDEA_REPLIES = (
    "+1, this would save our team a lot of time.",
    "Yes please. We would use it every day.",
    "Thanks for the idea! It is on the roadmap for {version}; we will post here when it ships.",
    "We built a workaround with webhooks in the meantime, happy to share it.",
)  # fmt: skip
ANNOUNCEMENT_TITLES = (
    "Acme {version} is out: faster {feature}", "Scheduled maintenance this Saturday",
    "Webinar: getting more out of {feature}", "New in {version}: {feature}",
)  # fmt: skip
ANNOUNCEMENT_OPENINGS = (
    "Acme {version} is rolling out this week. Highlights:\n\n- **{Feature}** is up to "
    "three times faster\n- New sharing options for reports\n- Dozens of fixes\n\n"
    "Tell us what you think below.",
    "We will upgrade the database on Saturday from 06:00 to 08:00 UTC. Acme stays "
    "read-only during the window.",
)  # fmt: skip
ANNOUNCEMENT_REPLIES = (
    "Great news, {feature} was our biggest pain point.",
    "Will the API change as well?",
    "Thanks for the heads-up.",
)  # fmt: skip
LOUNGE_TITLES = (
    "What are you working on this week?", "Favourite productivity tools",
    "Show us your workspace: {team} edition", "Book recommendations for ops people",
    "How do you onboard new colleagues to Acme?",
)  # fmt: skip
LOUNGE_OPENINGS = (
    "Share what is on your plate! We are rolling out {feature} to our {team} team.",
    "Hi all, I work in {team} and use Acme mostly for {feature}. Nice to meet you!",
)  # fmt: skip
LOUNGE_REPLIES = (
    "Welcome aboard!",
    "We are migrating our {team} team this month, wish us luck.",
    "Good thread. Mostly {feature} for us.",
    "Our onboarding is a one-hour session plus a sandbox workspace.",
)  # fmt: skip
INTRO_TITLES = (
    "Hello from the {team} team", "New here: {team} at a {n}-person company",
    "Hi all, I look after {feature} for our team", "Long-time Acme user, first post",
)  # fmt: skip
INTRO_OPENINGS = (
    "Hi everyone! I look after {feature} for a {team} team of about {n} people. Hoping to "
    "learn how others {goal}.",
    "Hello! We moved to Acme {version} last month and I am the one people ask about "
    "{feature}. Glad to be here.",
)  # fmt: skip
INTRO_REPLIES = (
    "Welcome, {asker}! Our {team} team uses {feature} a lot too.",
    "Welcome aboard! Product Q&A is the place when you get stuck.",
    "Hi {asker}, good to have you. If you want to {goal}, search the forum first: it "
    "comes up often.",
)  # fmt: skip
BETA_TITLES = (
    "Beta {version}: first impressions of {feature}",
    "Bug in the beta: {Feature} freezes with long lists",
    "Beta feedback: {feature}",
)  # fmt: skip
BETA_OPENINGS = (
    "Installed the {version} beta on our test workspace. {Feature} feels much faster; "
    "the new layout takes a minute to get used to.",
    "On the beta build, {feature} freezes when a list has more than 500 rows. "
    "Reproducible every time.",
)  # fmt: skip
BETA_REPLIES = (
    "Thanks, we can reproduce it and a fix is in the next build.",
    "Same on our side. Chrome and Firefox.",
    "Love it so far. Any date for general availability?",
)  # fmt: skip

KIND_TEXTS = {
    "announcements": (ANNOUNCEMENT_TITLES, ANNOUNCEMENT_OPENINGS, ANNOUNCEMENT_REPLIES),
    "product-qa": (QA_TITLES, QA_OPENINGS, ANSWERS),
    "api-integrations": (QA_TITLES, QA_OPENINGS, ANSWERS),
    "ideas": (IDEA_TITLES, IDEA_OPENINGS, IDEA_REPLIES),
    "introductions": (INTRO_TITLES, INTRO_OPENINGS, INTRO_REPLIES),
    "lounge": (LOUNGE_TITLES, LOUNGE_OPENINGS, LOUNGE_REPLIES),
    "beta-program": (BETA_TITLES, BETA_OPENINGS, BETA_REPLIES),
}
REACTION_KINDS = [kind.value for kind in ReactionKind]
REACTION_WEIGHTS = (70, 10, 4, 9, 7)  # like, heart, laugh, insightful, thanks
# Sentences around a reply's core text, so two topics never read the same reply: a lead-in,
# then the core (a template filled with the topic's own words), then a sign-off. Empty
# strings make "no lead-in" and "no sign-off" the most common choice.
REPLY_LEADS = (
    "", "", "", "Hi {asker}!", "Thanks for posting this, {asker}.", "Interesting one.",
    "Hello from our {team} team.", "Good timing, we looked at {feature} last week.",
)  # fmt: skip
REPLY_TAILS = (
    "", "", "", "Hope that helps.", "Let us know how it goes.",
    "We are on {version}, for what it is worth.", "Happy to share screenshots if useful.",
    "Shout if you get stuck.", "Good luck with {feature}!",
)  # fmt: skip
OPENING_TAILS = (
    "", "", "Thanks in advance!", "Any pointers welcome.", "We are on {version}.",
    "Cheers, {asker}",
)  # fmt: skip
BODY_POOL_SIZE = 60  # --scale large: distinct bodies per pool, rendered once each, reused
UNIQUE_TRIES = 30


# --- Plans and the bulk writer ----------------------------------------------------------


@dataclass(slots=True)
class PostPlan:
    author_id: int
    author_name: str
    at: datetime
    body: str
    html: str
    reactions: list[tuple[int, str, datetime]] = field(default_factory=list)  # user, kind, at
    hidden_by_id: int | None = None
    hidden_reason: str = ""


@dataclass(slots=True)
class TopicPlan:
    category_id: int
    title: str
    posts: list[PostPlan]  # oldest first; posts[0] opens the topic
    pinned: bool = False
    accepted: int | None = None  # index in posts of the accepted answer
    accepted_at: datetime | None = None
    tag_ids: tuple[int, ...] = ()


@dataclass
class WriteResult:
    topics: int = 0
    posts: int = 0
    reactions: int = 0
    support_acts: int = 0
    written: list[Topic] = field(default_factory=list)  # only when keep=True


@contextmanager
def _timestamps_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the backdated created_at/updated_at we set: auto_now(_add) would
    overwrite them with "now", and one UPDATE per row afterwards is what we avoid."""
    saved = []
    for model in model_classes:
        for name in ("created_at", "updated_at"):
            model_field = model._meta.get_field(name)
            saved.append((model_field, model_field.auto_now, model_field.auto_now_add))
            model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in saved:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


@contextmanager
def search_indexes_deferred() -> Iterator[None]:
    """Drop the full-text (GIN) indexes on posts and topics for a big load and build them
    again afterwards: one build over a million rows is several times faster than a million
    GIN insertions (and their pending-list merge at commit). PostgreSQL only; the index
    definitions are read back from the catalogue, so whatever the migrations made is what
    returns."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('forums_post', 'forums_topic') AND indexdef LIKE '%USING gin%'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, and PostgreSQL refuses
        # CREATE INDEX on a table with deferred checks still queued: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@dataclass
class _CategoryTotals:
    topics: int = 0
    posts: int = 0
    last_activity_at: datetime | None = None


def topics_bulk_write(
    plans: Iterable[TopicPlan],
    *,
    total_posts: int | None = None,
    progress: bool = False,
    keep: bool = False,
    batch_posts: int = BATCH_POSTS,
) -> WriteResult:
    """Insert the planned topics with their posts, tags, reactions and support acts, a fixed
    number of statements per batch of about `batch_posts` posts, then add the totals to the
    categories. Counters follow the services' rules: hidden replies do not count."""
    result = WriteResult()
    totals: dict[int, _CategoryTotals] = defaultdict(_CategoryTotals)
    post_type = ContentType.objects.get_for_model(Post)
    batch: list[TopicPlan] = []
    size = 0
    with (
        _timestamps_as_given(Topic, Post, Reaction, SupportAct),
        tqdm(
            total=total_posts, unit="post", desc="Forum posts", disable=None if progress else True
        ) as bar,
    ):
        for plan in plans:
            batch.append(plan)
            size += len(plan.posts)
            if size >= batch_posts:
                _write_batch(batch, result=result, totals=totals, post_type=post_type, keep=keep)
                bar.update(size)
                batch, size = [], 0
        if batch:
            _write_batch(batch, result=result, totals=totals, post_type=post_type, keep=keep)
            bar.update(size)
    for category in Category.objects.filter(pk__in=totals):
        added = totals[category.pk]
        last = max(filter(None, (category.last_activity_at, added.last_activity_at)), default=None)
        Category.objects.filter(pk=category.pk).update(
            topic_count=category.topic_count + added.topics,
            post_count=category.post_count + added.posts,
            last_activity_at=last,
        )
    return result


def _write_batch(
    plans: list[TopicPlan],
    *,
    result: WriteResult,
    totals: dict[int, _CategoryTotals],
    post_type: ContentType,
    keep: bool,
) -> None:
    topics = []
    for plan in plans:
        visible = [post for post in plan.posts if post.hidden_by_id is None]
        last = visible[-1]
        # A reaction touches its topic (reaction_add -> topic_touch), as a new post does.
        touched = max(
            (at for post in plan.posts for _user, _kind, at in post.reactions), default=last.at
        )
        topics.append(
            Topic(
                category_id=plan.category_id,
                title=plan.title,
                slug=topic_slug(plan.title),
                author_id=plan.posts[0].author_id,
                author_name=plan.posts[0].author_name,
                is_pinned=plan.pinned,
                reply_count=len(visible) - 1,
                last_post_at=last.at,
                last_poster_id=last.author_id,
                last_poster_name=last.author_name,
                created_at=plan.posts[0].at,
                updated_at=max(last.at, touched),
            )
        )
        category_totals = totals[plan.category_id]
        category_totals.topics += 1
        category_totals.posts += len(visible)
        if category_totals.last_activity_at is None or last.at > category_totals.last_activity_at:
            category_totals.last_activity_at = last.at
    Topic.objects.bulk_create(topics)

    posts = [
        Post(
            topic_id=topic.pk,
            author_id=plan_post.author_id,
            author_name=plan_post.author_name,
            body=plan_post.body,
            html=plan_post.html,
            is_opening=index == 0,
            is_hidden=plan_post.hidden_by_id is not None,
            hidden_by_id=plan_post.hidden_by_id,
            hidden_reason=plan_post.hidden_reason,
            hidden_at=plan_post.at + timedelta(hours=2) if plan_post.hidden_by_id else None,
            reaction_count=len(plan_post.reactions),
            created_at=plan_post.at,
            updated_at=plan_post.at,
        )
        for plan, topic in zip(plans, topics, strict=True)
        for index, plan_post in enumerate(plan.posts)
    ]
    Post.objects.bulk_create(posts)

    reactions, acts, tag_rows, solved = [], [], [], []
    tag_through = Topic.tags.through
    rows = iter(posts)
    for plan, topic in zip(plans, topics, strict=True):
        topic_posts = [next(rows) for _ in plan.posts]
        asker = topic.author_id
        for plan_post, post in zip(plan.posts, topic_posts, strict=True):
            for user_id, kind, at in plan_post.reactions:
                reactions.append(
                    Reaction(post=post, user_id=user_id, kind=kind, created_at=at, updated_at=at)
                )
                acts.append(_act(user_id, post.author_id, SupportKind.REACTION, post, at))
            if not post.is_opening and not post.is_hidden and post.author_id != asker:
                acts.append(_act(post.author_id, asker, SupportKind.REPLY, post, post.created_at))
        if plan.accepted is not None:
            answer = topic_posts[plan.accepted]
            topic.accepted_answer = answer
            solved.append(topic)
            acts.append(
                _act(asker, answer.author_id, SupportKind.ACCEPTED_ANSWER, answer, plan.accepted_at)
            )
        tag_rows += [tag_through(topic_id=topic.pk, tag_id=tag_id) for tag_id in plan.tag_ids]
    for act in acts:
        act.target_type = post_type
    if solved:
        Topic.objects.bulk_update(solved, ["accepted_answer"])
    Reaction.objects.bulk_create(reactions, batch_size=BATCH_POSTS)
    SupportAct.objects.bulk_create(acts, batch_size=BATCH_POSTS)
    tag_through.objects.bulk_create(tag_rows, batch_size=BATCH_POSTS)
    result.topics += len(topics)
    result.posts += len(posts)
    result.reactions += len(reactions)
    result.support_acts += len(acts)
    if keep:
        result.written += topics


def _act(giver: int, receiver: int, kind: str, post: Post, at: datetime) -> SupportAct:
    return SupportAct(
        giver_id=giver,
        receiver_id=receiver,
        kind=kind,
        target_id=post.pk,
        occurred_at=at,
        created_at=at,
        updated_at=at,
    )


# --- The demo community's forum ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    pk: int
    name: str
    joined: datetime


class _Crowd:
    """People who may write in one category, oldest member first, so that whoever posts
    at a time had joined by then. Long-standing members write more (they are the regulars)."""

    def __init__(self, people: list[Person]):
        self.people = sorted(people, key=lambda person: (person.joined, person.pk))
        self.joined = [person.joined for person in self.people]

    def joined_by(self, at: datetime) -> int:
        return max(1, bisect.bisect_right(self.joined, at))

    def pick(self, rng: random.Random, at: datetime) -> Person:
        return self.people[int(self.joined_by(at) * rng.random() ** 2.2)]

    def others(self, rng: random.Random, at: datetime, k: int, not_pk: int) -> list[Person]:
        available = self.joined_by(at)
        chosen = rng.sample(range(available), min(available, k + 1))
        return [self.people[i] for i in chosen if self.people[i].pk != not_pk][:k]


class _Bodies:
    """Titles and post bodies. At demo scale each is written for its topic (the topic's own
    words, a lead-in and a sign-off) and never used twice, so no two topics read alike; each
    body is rendered once. At large scale (a million posts) bodies come from a pool per kind
    of text, each rendered once on first use and reused."""

    def __init__(self, rng: random.Random, *, unique: bool = True):
        self._rng = rng
        self._unique = unique
        self._used: set[str] = set()
        self._pools: dict[tuple, list[str]] = {}
        self._html: dict[str, str] = {}

    def topic(self, titles: tuple[str, ...], **names: str) -> tuple[str, dict[str, str]]:
        """A title and the words the topic is about (its replies use the same words)."""
        for _ in range(UNIQUE_TRIES if self._unique else 1):
            words = _words(self._rng, **names)
            title = self._rng.choice(titles).format(**words)
            if title not in self._used:
                break
        self._used.add(title)
        return title, words

    def pick(
        self,
        templates: tuple[str, ...],
        words: dict[str, str] | None = None,
        *,
        leads: tuple[str, ...] = (),
        tails: tuple[str, ...] = (),
    ) -> tuple[str, str]:
        if not self._unique:
            pool = self._pools.get(templates)
            if pool is None:
                pool = self._pools[templates] = [
                    _fill(self._rng.choice(templates), self._rng) for _ in range(BODY_POOL_SIZE)
                ]
            return self._rendered(self._rng.choice(pool))
        words = words or _words(self._rng)
        for _ in range(UNIQUE_TRIES):
            parts = (
                self._rng.choice(leads) if leads else "",
                self._rng.choice(templates),
                self._rng.choice(tails) if tails else "",
            )
            body = "\n\n".join(part for part in parts if part).format(**words)
            if body not in self._used:
                break
        else:  # every combination tried was taken: a detail only this post has
            body += f"\n\n(Our support ticket was #{48_000 + len(self._used)}.)"
        self._used.add(body)
        return self._rendered(body)

    def render(self, body: str) -> tuple[str, str]:
        self._used.add(body)
        return body, render_markdown(body)

    def _rendered(self, body: str) -> tuple[str, str]:
        html = self._html.get(body)
        if html is None:
            html = self._html[body] = render_markdown(body)
        return body, html


def _words(rng: random.Random, *, asker: str = "there", name: str = "") -> dict[str, str]:
    feature = rng.choice(FEATURES)
    return {
        "feature": feature,
        "Feature": feature[0].upper() + feature[1:],
        "goal": rng.choice(GOALS),
        "version": rng.choice(VERSIONS),
        "team": rng.choice(TEAMS),
        "n": str(rng.choice((8, 15, 40, 120, 300))),
        "asker": asker,
        "name": name or "everyone",
    }


def _fill(template: str, rng: random.Random) -> str:
    return template.format(**_words(rng))


@dataclass(frozen=True)
class DemoForumsResult:
    categories: list[Category]
    topics: int
    posts: int
    reactions: int = 0
    support_acts: int = 0
    views: int = 0


@transaction.atomic
def demo_forums_create(
    *,
    rng: random.Random,
    people: list[User] | None = None,
    scale: str = "demo",
    progress: bool = False,
) -> DemoForumsResult:
    """Create the demo forum from the seeded members (`people` narrows who writes; default
    everyone). Beta Program is opened to the "Beta Program" auth group when the groups demo
    created it, and only its members write there."""
    forum_scale = SCALES[scale]
    now = timezone.now().replace(microsecond=0)
    crowd = _people(people)
    if not crowd:
        raise ValueError("The demo forums need some members to write the posts.")
    categories = _categories_create()
    tags = _tags_create(categories)
    beta_group = Group.objects.filter(name=BETA_GROUP_NAME).first()
    beta_ids = (
        set(beta_group.user_set.values_list("pk", flat=True)) if beta_group is not None else set()
    )
    if beta_group is not None:
        category_access_grant(category=categories["beta-program"], group=beta_group)
    staff_ids = set(User.objects.filter(username__in=STAFF_USERNAMES).values_list("pk", flat=True))
    staff = [person for person in crowd if person.pk in staff_ids] or crowd[:1]
    crowds = {
        slug: _Crowd([p for p in crowd if p.pk in beta_ids] or crowd)
        if slug == "beta-program"
        else _Crowd(crowd)
        for slug in categories
    }
    bodies = _Bodies(rng, unique=scale == "demo")
    # Planned against the start of today, as the members' join dates are, so the same seed
    # picks the same authors whatever the hour; then moved forward to end at "now".
    anchor = demo_join_anchor()
    plans = _shifted(
        _topic_plans(
            rng=rng,
            now=anchor,
            scale=forum_scale,
            categories=categories,
            tags=tags,
            crowds=crowds,
            staff=_Crowd(staff),
            bodies=bodies,
        ),
        shift=now - anchor,
    )
    with search_indexes_deferred() if scale == "large" else nullcontext():
        bulk = topics_bulk_write(plans, total_posts=forum_scale.posts, progress=progress)
    stories = _stories_create(
        rng=rng, now=now, categories=categories, tags=tags, crowds=crowds, bodies=bodies
    )
    views = _views_record(rng=rng)
    return DemoForumsResult(
        categories=list(categories.values()),
        topics=bulk.topics + stories.topics,
        posts=bulk.posts + stories.posts,
        reactions=bulk.reactions + stories.reactions,
        support_acts=bulk.support_acts + stories.support_acts,
        views=views,
    )


def _views_record(*, rng: random.Random) -> int:
    """Page views the way the topic page counts them (forums.services.reading: in the cache,
    a few minutes ago), then the periodic flush once, which moves them to Topic.view_count
    as it moves real views. Busy topics draw more readers; private ones fewer. Returns the
    views the flush wrote (0 when another flush held the lock: that one, or the next, writes
    them)."""
    counted_at = timezone.now() - timedelta(minutes=SETTLE_BUCKETS + 3)
    topics = Topic.objects.order_by("pk").values_list("pk", "reply_count", "category__access")
    for topic_id, replies, access in topics.iterator(chunk_size=BATCH_POSTS):
        views = (replies + 1) * rng.uniform(4, 12) + rng.expovariate(1 / 25)
        if access == CategoryAccess.PRIVATE:
            views /= 3
        topic_views_record(topic_id=topic_id, views=1 + int(views), now=counted_at)
    flushed = views_and_reads_flush().views
    _view_days_spread()
    return flushed


# How far back the demo's per-day views go: the dashboard's longest daily view.
VIEW_DAYS_SPREAD = 90


def _view_days_spread() -> None:
    """The flush puts every seeded view on today; a real community read its topics over time.
    Each topic's views are spread evenly over the days since it was posted (at most the last
    VIEW_DAYS_SPREAD, up to today), so views over a period — what the support-deflection
    estimate reads — have a history. Topic.view_count is unchanged."""
    today = timezone.localdate(timezone.now(), community_timezone())
    rows = TopicViewDay.objects.filter(day=today)
    created = dict(Topic.objects.values_list("pk", "created_at"))
    spread: list[TopicViewDay] = []
    for row in rows.iterator(chunk_size=BATCH_POSTS):
        posted = timezone.localdate(created[row.topic_id], community_timezone())
        first = max(posted, today - timedelta(days=VIEW_DAYS_SPREAD - 1))
        days = (today - first).days + 1
        share, extra = divmod(row.views, days)
        for n in range(days):
            views = share + (1 if n < extra else 0)
            if views:
                spread.append(
                    TopicViewDay(topic_id=row.topic_id, day=first + timedelta(days=n), views=views)
                )
    rows.delete()
    TopicViewDay.objects.bulk_create(spread, batch_size=5000)


def _shifted(plans: Iterable[TopicPlan], *, shift: timedelta) -> Iterator[TopicPlan]:
    for plan in plans:
        for post in plan.posts:
            post.at += shift
            post.reactions = [(user, kind, at + shift) for user, kind, at in post.reactions]
        if plan.accepted_at is not None:
            plan.accepted_at += shift
        yield plan


def _people(people: list[User] | None) -> list[Person]:
    queryset = User.objects.filter(erased_at__isnull=True, is_active=True).exclude(
        username="AnonymousUser"
    )
    if people is not None:
        queryset = queryset.filter(pk__in=[user.pk for user in people])
    return [
        Person(pk, display_name or username, joined)
        for pk, display_name, username, joined in queryset.order_by("pk").values_list(
            "pk", "display_name", "username", "date_joined"
        )
    ]


def _categories_create() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, (slug, name, description, access, is_qa, parent, *_) in enumerate(CATEGORIES):
        categories[slug] = Category.objects.create(
            slug=slug,
            name=name,
            description=description,
            access=access,
            is_qa=is_qa,
            position=position,
            parent=categories[parent] if parent else None,
        )
    return categories


def _tags_create(categories: dict[str, Category]) -> dict[str, Tag]:
    tags = {}
    for name, description, only_in in TAGS:
        tag = Tag.objects.create(name=name, slug=name, description=description)
        if only_in:
            tag.categories.set([categories[slug] for slug in only_in])
        tags[name] = tag
    return tags


def _allowed_tags(tags: dict[str, Tag], slug: str) -> list[int]:
    return [tags[name].pk for name, _description, only_in in TAGS if not only_in or slug in only_in]


def _topic_plans(
    *,
    rng: random.Random,
    now: datetime,
    scale: ForumScale,
    categories: dict[str, Category],
    tags: dict[str, Tag],
    crowds: dict[str, _Crowd],
    staff: _Crowd,
    bodies: _Bodies,
) -> Iterator[TopicPlan]:
    """The bulk of the forum: `scale.topics` topics holding `scale.posts` posts in all, spread
    over the last 18 months, busier lately (the community grows). A few topics draw most
    replies; about one Q&A question in six is still unanswered."""
    shares = [row[6] for row in CATEGORIES]
    slugs = [row[0] for row in CATEGORIES]
    topic_slugs = rng.choices(slugs, weights=shares, k=scale.topics)
    unanswered = [categories[slug].is_qa and rng.random() < 0.16 for slug in topic_slugs]
    reply_weight = {row[0]: row[7] for row in CATEGORIES}
    weights = [
        0.0 if unanswered[i] else reply_weight[slug] * rng.paretovariate(1.6)
        for i, slug in enumerate(topic_slugs)
    ]
    replies = [0] * scale.topics
    for index in rng.choices(range(scale.topics), weights=weights, k=scale.posts - scale.topics):
        replies[index] += 1
    window = HISTORY.total_seconds()
    for index, slug in enumerate(topic_slugs):
        age = window * (1 - math.sqrt(rng.random()))
        started = now - timedelta(seconds=age)
        yield _topic_plan(
            rng=rng,
            now=now,
            started=started,
            category=categories[slug],
            replies=replies[index],
            tag_ids=_allowed_tags(tags, slug),
            crowd=crowds[slug],
            opener=staff if slug == "announcements" else crowds[slug],
            bodies=bodies,
            reactions_per_post=scale.reactions_per_post,
        )


def _topic_plan(
    *,
    rng: random.Random,
    now: datetime,
    started: datetime,
    category: Category,
    replies: int,
    tag_ids: list[int],
    crowd: _Crowd,
    opener: _Crowd,
    bodies: _Bodies,
    reactions_per_post: float,
) -> TopicPlan:
    titles, openings, answers = KIND_TEXTS[category.slug]
    author = opener.pick(rng, started)
    # Replies come quickly at first, then slow down; none lands in the future.
    room = max(60.0, (now - started).total_seconds() - 60)
    mean_gap = min(room / (replies + 1), rng.uniform(2, 30) * 3600)
    stamps, at = [], started
    for _ in range(replies):
        at = min(at + timedelta(seconds=rng.expovariate(1 / mean_gap) + 60), now)
        stamps.append(at)
    title, words = bodies.topic(titles, asker=_first_name(author.name))
    opening = bodies.pick(openings, words, tails=OPENING_TAILS)
    posts = [PostPlan(author.pk, author.name, started, *opening)]
    for stamp in stamps:
        writer = crowd.pick(rng, stamp)
        words["name"] = _first_name(posts[-1].author_name)
        if category.is_qa and writer.pk == author.pk:
            body = bodies.pick(FOLLOW_UPS, words)
        elif category.is_qa and len(posts) > 1 and rng.random() < 0.3:
            body = bodies.pick(ME_TOOS, words, tails=REPLY_TAILS)
        else:
            body = bodies.pick(answers, words, leads=REPLY_LEADS, tails=REPLY_TAILS)
        posts.append(PostPlan(writer.pk, writer.name, stamp, *body))
    accepted = accepted_at = None
    if category.is_qa and rng.random() < 0.7:
        candidates = [i for i, post in enumerate(posts[1:4], 1) if post.author_id != author.pk]
        if candidates:
            accepted = candidates[0]
            accepted_at = min(posts[accepted].at + timedelta(hours=rng.uniform(1, 48)), now)
    for index, post in enumerate(posts):
        mean = reactions_per_post * (3 if index == accepted else 1.4 if index == 0 else 1)
        count = int(rng.expovariate(1 / mean)) if mean > 0 else 0
        if count:
            post.reactions = _reactions(rng, crowd, post, count, now)
    chosen_tags = tuple(rng.sample(tag_ids, k=min(len(tag_ids), rng.choice((0, 1, 1, 2)))))
    return TopicPlan(
        category_id=category.pk,
        title=title,
        posts=posts,
        accepted=accepted,
        accepted_at=accepted_at,
        tag_ids=chosen_tags,
    )


def _first_name(name: str) -> str:
    return name.split()[0] if name.strip() else "there"


def _reactions(
    rng: random.Random, crowd: _Crowd, post: PostPlan, count: int, now: datetime
) -> list[tuple[int, str, datetime]]:
    return [
        (
            person.pk,
            rng.choices(REACTION_KINDS, weights=REACTION_WEIGHTS)[0],
            min(post.at + timedelta(seconds=rng.expovariate(1 / 21600) + 30), now),
        )
        for person in crowd.others(rng, post.at, count, not_pk=post.author_id)
    ]


# --- Stories for the demo log-ins --------------------------------------------------------


def _stories_create(
    *,
    rng: random.Random,
    now: datetime,
    categories: dict[str, Category],
    tags: dict[str, Tag],
    crowds: dict[str, _Crowd],
    bodies: _Bodies,
) -> WriteResult:
    """What maya (member), omar (moderator) and carmen (manager) find when they sign in."""
    logins = {user.username: user for user in User.objects.filter(username__in=_LOGINS)}
    if not {"maya", "omar", "carmen"} <= logins.keys():
        return WriteResult()  # a forum seeded without the demo log-ins (tests, bench)
    maya, omar, carmen = logins["maya"], logins["omar"], logins["carmen"]
    regulars = crowds["product-qa"]
    login_ids = {user.pk for user in logins.values()}
    helpers = [p for p in regulars.people[:40] if p.pk not in login_ids]
    # Without generated members (--members 0) the other log-ins play the helpers.
    helpers += [p for p in regulars.people if p.pk in login_ids and p.pk != maya.pk]
    alex, sam, lee, kim = (helpers * 4)[:4]
    newcomers = [p for p in regulars.people if p.pk != maya.pk][-2:]  # spammers joined lately

    def person(user: User) -> Person:
        return Person(user.pk, user.public_name, user.date_joined)

    def post(who: Person, ago: timedelta, body: str, **extra) -> PostPlan:
        return PostPlan(who.pk, who.name, now - ago, *bodies.render(body), **extra)

    def like(who: Person, ago: timedelta, kind: str = ReactionKind.LIKE):
        return (who.pk, kind, now - ago)

    m, o, c = person(maya), person(omar), person(carmen)
    days, hours = timedelta(days=1), timedelta(hours=1)
    answer_body = (
        "Yes. Save the filtered view first, then **Share → Schedule** on that view:\n\n"
        "1. Choose *Weekly* and Monday 07:00\n2. Format *CSV*\n"
        "3. Add the managers' addresses: they do not need an Acme seat"
    )
    stories = [
        # Maya's question, answered and accepted (she thanked the helper too).
        TopicPlan(
            category_id=categories["product-qa"].pk,
            title="How do I schedule a weekly CSV export for managers without a seat?",
            posts=[
                post(
                    m,
                    12 * days,
                    "Our managers want the pipeline report every Monday, but "
                    "they have no Acme seat. Can Acme e-mail it to them as CSV?",
                ),
                post(
                    alex,
                    12 * days - 3 * hours,
                    answer_body,
                    reactions=[like(m, 11 * days, ReactionKind.THANKS), like(sam, 11 * days)],
                ),
                post(m, 11 * days, f"That did it, thank you {alex.name}!"),
            ],
            accepted=1,
            accepted_at=now - 11 * days,
            tag_ids=(tags["reporting"].pk, tags["how-to"].pk),
        ),
        # Maya's question nobody has answered yet: first in line in the unanswered view.
        TopicPlan(
            category_id=categories["product-qa"].pk,
            title="Can I restrict dashboard sharing to one group?",
            posts=[
                post(
                    m,
                    20 * hours,
                    "We want only the finance group to open the budget "
                    "dashboard. Sharing settings seem to be all or nothing?",
                )
            ],
            tag_ids=(tags["reporting"].pk,),
        ),
        # A reply to Maya she has not read yet (and a notification about it).
        TopicPlan(
            category_id=categories["lounge"].pk,
            title="What does your Monday reporting routine look like?",
            posts=[
                post(
                    m,
                    3 * days,
                    "Curious how other teams start the week. Ours: pipeline "
                    "report, then a 15-minute stand-up around the dashboard.",
                ),
                post(
                    sam,
                    2 * days,
                    "Very similar! We add a saved filter for overdue items.",
                    reactions=[like(m, 2 * days - hours)],
                ),
                post(
                    lee,
                    5 * hours,
                    "We moved ours to Tuesday: Mondays were all e-mail. "
                    "The scheduled export lands at 07:00 so it is ready.",
                ),
            ],
        ),
        # Maya helped someone else: her answer was accepted.
        TopicPlan(
            category_id=categories["api-integrations"].pk,
            title="Webhook retries: how many times does Acme try?",
            posts=[
                post(
                    kim,
                    40 * days,
                    "One of our endpoints was down for an hour. Will Acme "
                    "retry the webhooks it could not deliver?",
                ),
                post(
                    m,
                    40 * days - 2 * hours,
                    "It retries with back-off for 24 hours "
                    "(we checked in *Settings → Webhooks → Deliveries*), so an hour "
                    "down loses nothing.",
                    reactions=[like(kim, 39 * days)],
                ),
            ],
            accepted=1,
            accepted_at=now - 39 * days,
            tag_ids=(tags["api"].pk,),
        ),
        # In the private category, answered by the community manager.
        TopicPlan(
            category_id=categories["beta-program"].pk,
            title="Beta 6: the new timeline view is much faster",
            posts=[
                post(
                    m,
                    6 * days,
                    "Timeline with 2,000 items now opens instantly for us. "
                    "One thing: the zoom buttons moved and people could not find them.",
                ),
                post(
                    c,
                    5 * days,
                    "Thanks Maya! Noted: the zoom buttons go back to the "
                    "toolbar in the next build.",
                    reactions=[like(m, 5 * days)],
                ),
            ],
            tag_ids=(tags["beta-feedback"].pk,),
        ),
        # Omar's queue: a promotional reply flagged twice, and an earlier one he hid.
        TopicPlan(
            category_id=categories["product-qa"].pk,
            title="Sync with Salesforce duplicates contacts after 4.3",
            posts=[
                post(
                    lee,
                    2 * days,
                    "Since 4.3 every sync creates a second copy of contacts "
                    "that have two e-mail addresses. Anyone else?",
                ),
                post(
                    kim,
                    2 * days - 5 * hours,
                    "Same here. Turning off *Match on secondary "
                    "e-mail* in the sync settings stopped it for us.",
                ),
                post(
                    newcomers[0],
                    30 * hours,
                    "CHEAP MIGRATION!!! Move off Acme today, "
                    "visit our site for 80% off, limited offer",
                    hidden_by_id=o.pk,
                    hidden_reason="Spam: advertising",
                ),
                post(
                    newcomers[1],
                    9 * hours,
                    "Stop wasting time with this sync, our "
                    "consultancy fixes it in a day. DM me for prices.",
                ),
            ],
            tag_ids=(tags["bug"].pk,),
        ),
        TopicPlan(
            category_id=categories["announcements"].pk,
            title="Welcome to the Acme Customer Community",
            posts=[
                post(
                    c,
                    540 * days,
                    "Welcome! Ask questions in **Product Q&A**, share "
                    "ideas in **Ideas**, and say hello in **Introductions**.\n\nBe "
                    "kind, stay on topic, and mark the answer that helped you.",
                )
            ],
            pinned=True,
        ),
    ]
    written = topics_bulk_write(stories, keep=True)
    by_title = {topic.title: topic for topic in written.written}
    _maya_state_create(maya=maya, now=now, topics=by_title, categories=categories, tags=tags)
    _moderation_create(
        omar=omar, carmen=carmen, now=now, topics=by_title, flaggers=[alex.pk, sam.pk]
    )
    return written


_LOGINS = ("maya", "omar", "carmen", "evan")


def _maya_state_create(
    *,
    maya: User,
    now: datetime,
    topics: dict[str, Topic],
    categories: dict[str, Category],
    tags: dict[str, Tag],
) -> None:
    """Reading positions (some topics read, some with new replies, most never opened),
    watches, a bookmark with a reminder, and the notifications her stories imply."""
    lounge_topic = topics["What does your Monday reporting routine look like?"]
    solved = topics["How do I schedule a weekly CSV export for managers without a seat?"]
    own_topics = [topic for topic in topics.values() if topic.author_id == maya.pk]
    recent = list(
        Topic.objects.exclude(category=categories["beta-program"])
        .exclude(pk__in=[topic.pk for topic in topics.values()])
        .order_by("-last_post_at")
        .values_list("pk", flat=True)[:24]
    )
    read_through = set(recent[1::3])  # every third topic read to the end
    read_partly = set(recent[2::3]) | {lounge_topic.pk}  # new replies since her visit
    opened = read_through | read_partly | {solved.pk}
    posts_by_topic = defaultdict(list)
    for pk, topic_id, created_at in (
        Post.objects.filter(topic_id__in=opened, is_hidden=False)
        .order_by("created_at", "pk")
        .values_list("pk", "topic_id", "created_at")
    ):
        posts_by_topic[topic_id].append((pk, created_at))
    reads = []
    for topic_id, posts in posts_by_topic.items():
        seen = posts[-1] if topic_id not in read_partly or len(posts) < 2 else posts[-2]
        if topic_id == lounge_topic.pk:
            seen = posts[1]  # she saw Sam's reply; Lee's came after
        reads.append(
            TopicRead(user=maya, topic_id=topic_id, last_read_post_id=seen[0], last_read_at=seen[1])
        )
    TopicRead.objects.bulk_create(reads)
    Watch.objects.bulk_create(
        [
            *(Watch(user=maya, topic=topic, level=WatchLevel.EVERY_POST) for topic in own_topics),
            Watch(user=maya, category=categories["product-qa"], level=WatchLevel.EVERY_POST),
            Watch(user=maya, tag=tags["reporting"], level=WatchLevel.EVERY_POST),
            Watch(user=maya, category=categories["announcements"], level=WatchLevel.MENTIONS),
        ]
    )
    Bookmark.objects.create(
        user=maya,
        post=solved.accepted_answer,
        note="Export recipe for the finance team",
        remind_at=now + timedelta(days=3),
    )
    seen_lounge_reply_at = next(
        read.last_read_at for read in reads if read.topic_id == lounge_topic.pk
    )
    replies = (
        Post.objects.filter(topic__in=[lounge_topic, solved], is_opening=False)
        .exclude(author=maya)
        .select_related("topic", "author")
        .order_by("created_at")
    )
    for reply in replies:
        page = 1 + (reply.topic.reply_count) // POSTS_PER_PAGE
        notification = notification_create(
            recipient=maya,
            actor=reply.author,
            kind="forum_reply",
            verb=f"{reply.author_name} replied to “{reply.topic.title}”",
            url=f"{reply.topic.get_absolute_url()}?page={page}#post-{reply.pk}",
        )
        if notification is not None and reply.created_at <= seen_lounge_reply_at:
            type(notification).objects.filter(pk=notification.pk).update(read_at=now)


def _moderation_create(
    *, omar: User, carmen: User, now: datetime, topics: dict[str, Topic], flaggers: list[int]
) -> None:
    sync = topics["Sync with Salesforce duplicates contacts after 4.3"]
    hidden = Post.objects.get(topic=sync, is_hidden=True)
    promoted = Post.objects.filter(topic=sync, is_hidden=False).order_by("-created_at").first()
    Flag.objects.bulk_create(
        [
            Flag(
                post=promoted,
                flagger_id=flaggers[0],
                reason=FlagReason.SPAM,
                note="Advertising a paid service.",
            ),
            Flag(post=promoted, flagger_id=flaggers[1], reason=FlagReason.OFF_TOPIC),
            Flag(
                post=hidden,
                flagger_id=flaggers[0],
                reason=FlagReason.SPAM,
                status="upheld",
                resolved_by=omar,
                resolved_at=hidden.hidden_at,
            ),
        ]
    )
    # Raised a few hours before the moderator hid the post (created_at is set on insert).
    Flag.objects.filter(post=hidden).update(created_at=hidden.hidden_at - timedelta(hours=5))
    Flag.objects.filter(post=promoted).update(created_at=now - timedelta(hours=3))
    welcome = topics["Welcome to the Acme Customer Community"]
    ModerationEvent.objects.bulk_create(
        [
            ModerationEvent(
                actor=carmen,
                action=ModerationAction.PIN,
                category_id=welcome.category_id,
                topic=welcome,
                reason="Start here",
            ),
            ModerationEvent(
                actor=omar,
                action=ModerationAction.HIDE,
                category_id=sync.category_id,
                topic=sync,
                post=hidden,
                target_user_id=hidden.author_id,
                reason="Spam: advertising",
            ),
        ]
    )
