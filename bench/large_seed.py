"""The large benchmark data set (bench/run_forums.sh --large), written with COPY: the peers'
topics and posts (bench/peers_dataset.py, scaled up) with what a community of that size
also has around them: reactions, polls with their votes, a content library with its
readers, and bookmarks. Used by bench/forums_seed.py when BENCH_LARGE=1; the peers' shape
(200,000 posts) keeps its own writer and gets none of this, so its figures stay comparable
with the other engines'.

Everything the app's services would have recorded beside each row is written too: a
reaction's support act (one per member and post, as reaction_add records it) and its touch
of the topic, a reply's support act, a share's acts to the owner and credited members, a
promoted article's credit acts. Counters are then set from the rows by set-wise SQL
(`counters_set`) and checked by bench/seed_check.py. docs/performance.md ("Seeding times")
gives the shape and why.

Deterministic: one seeded random generator per part, over members, topics and posts in
primary-key order; dates hang off the data set's "now" like the posts'."""

from __future__ import annotations

import itertools
import random
import time
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bulk_load import copy_rows, copy_seconds, ids_reserve, indexes_drop, indexes_restore
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.text import slugify
from tqdm import tqdm

from forums.models import Post, ReactionKind, Tag
from forums.services.topics import topic_slug
from library.models import (
    CreditRole,
    FileVersion,
    LibraryAccess,
    Resource,
    ResourceKind,
)
from members.access import access_changed_for_everyone
from members.models import SupportKind, User
from members.services.trust import helpfulness_recompute
from polls.models import PollKind, ResultsVisibility

SEED = 20261207

# --- The shape, per 1,000,000 posts and 100,000 topics (it scales with the data set) -------

# Reactions: 2 per post on average. Each post draws its share from a weight: the thread's
# appeal (log-normal, sigma 0.8; the hot topic x3) times the post's own (log-normal, sigma
# 0.7), an opening post x4. At 1,000,000 posts: 39 % have none, 45 % one to three, 2.7 %
# more than ten and a few dozen over a hundred, as on a real forum where a few posts
# collect most reactions.
REACTIONS_PER_POST = 2.0
THREAD_SIGMA, POST_SIGMA, OPENING_WEIGHT, HOT_WEIGHT = 0.8, 0.7, 4.0, 3.0
# Likes dominate (Discourse's experience); the other kinds say more and are rarer.
KINDS = (
    ReactionKind.LIKE,
    ReactionKind.THANKS,
    ReactionKind.HEART,
    ReactionKind.INSIGHTFUL,
    ReactionKind.LAUGH,
)
KIND_WEIGHTS = (60, 15, 10, 10, 5)
SECOND_KIND = 0.08  # a reactor who adds a second kind (a like and a thanks)
REACTION_DELAY = 8 * 3600  # mean seconds after the post (exponential): most come the same day
# Who acts: members by id (older first) with a mild skew towards the long-standing ones.
ACTIVITY_SKEW = 1.3

# Bookmarks: about 1 in 10 posts, more on posts that drew reactions; 5 % with a reminder.
BOOKMARK_BASE, BOOKMARK_PER_REACTION, BOOKMARK_CAP = 0.05, 0.02, 0.45

# Polls: 3 % of topics (never the hot topic, whose page the benchmark measures), 100 ballots
# on average, log-normal turnout (sigma 1.2): half get fewer than about 50 votes, a dozen over
# a thousand. Kinds as a product team would use them: mostly single choice.
POLL_SHARE = 0.03
BALLOTS_PER_POLL = 100
TURNOUT_SIGMA = 1.2
POLL_KINDS = (PollKind.SINGLE, PollKind.MULTIPLE, PollKind.RATING, PollKind.RANKED)
POLL_KIND_WEIGHTS = (50, 20, 15, 15)
VISIBILITIES = (
    ResultsVisibility.ALWAYS,
    ResultsVisibility.AFTER_VOTE,
    ResultsVisibility.AFTER_CLOSE,
    ResultsVisibility.STAFF,
)
VISIBILITY_WEIGHTS = (55, 25, 15, 5)
ANONYMOUS_SHARE = 0.15
GROUP_ONLY_SHARE = 0.03  # voting limited to the Beta Program group
NO_CLOSING_SHARE = 0.2  # the rest close 3-30 days after they open
CLOSED_BY_HAND_SHARE = 0.05

# Library: 5 resources per 100 topics (5,000), in collections of about 40; articles, links
# (a fifth of them videos) and files; a tenth of the articles promoted from a topic, crediting
# its author. Readers: view-days per resource (log-normal popularity), downloads of files,
# reactions and shares in proportion.
RESOURCES_PER_TOPIC = 0.05
RESOURCES_PER_COLLECTION = 40
RESOURCE_KINDS = (ResourceKind.ARTICLE, ResourceKind.LINK, ResourceKind.FILE)
RESOURCE_KIND_WEIGHTS = (45, 35, 20)
ACCESSES = (LibraryAccess.PUBLIC, LibraryAccess.MEMBERS, LibraryAccess.PRIVATE)
ACCESS_WEIGHTS = (55, 40, 5)
PROMOTED_SHARE = 0.1
VIEW_DAYS_MEAN = 40
DOWNLOADS_PER_FILE = 100
RESOURCE_REACTIONS_MEAN = 10
SHARES_MEAN = 2
LIBRARY_KINDS = (
    ReactionKind.LIKE,
    ReactionKind.INSIGHTFUL,
    ReactionKind.THANKS,
    ReactionKind.HEART,
)
LIBRARY_KIND_WEIGHTS = (5, 3, 3, 1)

COPY_BATCH_TOPICS = 5_000  # topics per round of COPYs (about 50,000 posts at the default shape)

TABLES = (
    "forums_topic",
    "forums_post",
    "forums_reaction",
    "forums_bookmark",
    "members_supportact",
    "polls_poll",
    "polls_option",
    "polls_ballot",
    "polls_choice",
    "polls_poll_voter_groups",
    "library_collection",
    "library_collectionitem",
    "library_resource",
    "library_resource_tags",
    "library_resource_source_topics",
    "library_fileversion",
    "library_download",
    "library_resourceviewday",
    "library_resourcereaction",
    "library_share",
    "library_credit",
    "library_resourcegroupobjectpermission",
    "library_collectiongroupobjectpermission",
)


ACT_COLUMNS = (
    "created_at", "updated_at", "kind", "target_id", "occurred_at", "giver_id", "receiver_id",
    "target_type_id",
)  # fmt: skip


@dataclass
class Result:
    topics: int = 0
    posts: int = 0
    reactions: int = 0
    support_acts: int = 0
    bookmarks: int = 0
    polls: int = 0
    options: int = 0
    ballots: int = 0
    choices: int = 0
    collections: int = 0
    resources: int = 0
    file_versions: int = 0
    view_days: int = 0
    downloads: int = 0
    resource_reactions: int = 0
    shares: int = 0
    credits: int = 0
    steps: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TopicRow:
    pk: int
    created: datetime
    author: int
    first_post: int
    posts: int


class Members:
    """The seeded members in id order, drawn with the activity skew."""

    def __init__(self, pks: Sequence[int], rng: random.Random):
        self.pks = list(pks)
        self._rng = rng

    def pick(self) -> int:
        return self.pks[int(len(self.pks) * self._rng.random() ** ACTIVITY_SKEW)]

    def distinct(self, count: int, *, excluding: int | None = None) -> list[int]:
        count = min(count, len(self.pks) - (excluding is not None))
        chosen: dict[int, None] = {}
        while len(chosen) < count:
            pk = self.pick()
            if pk != excluding:
                chosen[pk] = None
        return list(chosen)


def _timed(result: Result, name: str, report: Callable[[str], None]):
    class Step:
        def __enter__(self):
            self.started = time.perf_counter()

        def __exit__(self, *exc):
            if exc[0] is None:
                spent = time.perf_counter() - self.started
                result.steps[name] = round(spent, 1)
                report(f"{name}: {spent:.1f}s")

    return Step()


def _spread(total: int, weights: Sequence[float], rng: random.Random) -> array:
    """`total` draws over `weights` (with replacement): how many fell on each."""
    counts = array("I", [0]) * len(weights)
    cumulative = list(itertools.accumulate(weights))
    for index in rng.choices(range(len(weights)), cum_weights=cumulative, k=total):
        counts[index] += 1
    return counts


def _content_type(model) -> int:
    return ContentType.objects.get_for_model(model).pk


# --- Topics, posts, reactions, support acts, bookmarks --------------------------------------


def reaction_counts(post_counts: Sequence[int], *, total: int, rng: random.Random) -> array:
    """How many reactions each post of the data set gets, in post order (topic by topic)."""
    weights = []
    for index, posts in enumerate(post_counts):
        thread = rng.lognormvariate(0, THREAD_SIGMA) * (HOT_WEIGHT if index == 0 else 1)
        weights.append(thread * OPENING_WEIGHT * rng.lognormvariate(0, POST_SIGMA))
        weights.extend(thread * rng.lognormvariate(0, POST_SIGMA) for _ in range(posts - 1))
    return _spread(total, weights, rng)


def forum_write(
    *,
    topics: Iterable[dict],
    post_counts: Sequence[int],
    category_ids: Sequence[int],
    names: Sequence[tuple[int, str]],
    now: datetime,
    result: Result,
    progress: bool,
) -> list[TopicRow]:
    """COPY the data set's topics and posts with their reactions, bookmarks and the support
    acts of reactions and replies. Counters that only these rows decide (a post's
    reaction_count; a topic's reply count, last post and last touch) are written with the
    rows, computed from them; the rest comes in counters_set."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible bench data
    members = Members([pk for pk, _name in names], rng)
    n_topics, n_posts = len(post_counts), sum(post_counts)
    reactions = reaction_counts(
        post_counts,
        total=round(n_posts * REACTIONS_PER_POST),
        rng=random.Random(SEED + 1),  # noqa: S311 - reproducible bench data
    )
    topic_base = ids_reserve("forums_topic", n_topics)
    post_base = ids_reserve("forums_post", n_posts)
    post_type = _content_type(Post)
    kind_cumulative = list(itertools.accumulate(KIND_WEIGHTS))
    written: list[TopicRow] = []
    topic_rows: list[tuple] = []
    reaction_rows: list[tuple] = []
    act_rows: list[tuple] = []
    bookmark_rows: list[tuple] = []
    latest = now - timedelta(minutes=1)

    def posts_of(batch: list[dict], bar) -> Iterator[tuple]:
        for topic in batch:
            topic_pk = topic_base + topic["index"]
            first_pk = written[-1].first_post + written[-1].posts if written else post_base
            posts = topic["posts"]
            asker, asker_name = names[posts[0][0]]
            touched = posts[-1][1]
            for offset, (user_index, at, markdown, html) in enumerate(posts):
                pk = first_pk + offset
                author, author_name = names[user_index]
                count = reactions[pk - post_base]
                if count:
                    touched = max(touched, _reactions_add(pk, author, at, count))
                if offset and author != asker:
                    act_rows.append((at, at, SupportKind.REPLY, pk, at, author, asker, post_type))
                _bookmarks_add(pk, at, count)
                yield (
                    pk, at, at, author_name, markdown, html, offset == 0, False, "",
                    author, topic_pk, 0, count,
                )  # fmt: skip
            last_author, last_name = names[posts[-1][0]]
            topic_rows.append(
                (
                    topic_pk, posts[0][1], touched, topic["title"], topic_slug(topic["title"]),
                    asker_name, False, False, False, len(posts) - 1, 0, posts[-1][1],
                    last_name, asker, category_ids[topic["category_index"]], last_author,
                )
            )  # fmt: skip
            written.append(TopicRow(topic_pk, posts[0][1], asker, first_pk, len(posts)))
            bar.update(len(posts))

    def _reactions_add(post_pk: int, author: int, at: datetime, count: int) -> datetime:
        """`count` reactions to one post by members other than its author: rows, and one
        REACTION support act per member (their first reaction), as reaction_add records."""
        firsts: dict[int, datetime] = {}
        kinds: set[tuple[int, str]] = set()
        last = at
        while len(kinds) < count:
            if firsts and rng.random() < SECOND_KIND:
                user = rng.choice(list(firsts))
            else:
                user = members.pick()
                if user == author:
                    continue
            kind = rng.choices(KINDS, cum_weights=kind_cumulative)[0]
            if (user, kind) in kinds:
                continue
            kinds.add((user, kind))
            when = min(at + timedelta(seconds=int(rng.expovariate(1 / REACTION_DELAY))), latest)
            when = max(when, at)
            reaction_rows.append((when, when, kind, post_pk, user))
            if user not in firsts or when < firsts[user]:
                firsts[user] = when
            last = max(last, when)
        for user, when in firsts.items():
            act_rows.append(
                (when, when, SupportKind.REACTION, post_pk, when, user, author, post_type)
            )
        return last

    def _bookmarks_add(post_pk: int, at: datetime, reacted: int) -> None:
        chance = min(BOOKMARK_BASE + BOOKMARK_PER_REACTION * reacted, BOOKMARK_CAP)
        if rng.random() >= chance:
            return
        for user in members.distinct(1 + (rng.random() < 0.2)):
            when = min(at + timedelta(seconds=int(rng.expovariate(1 / 86400))), latest)
            remind = reminded = None
            if rng.random() < 0.05:
                remind = when + timedelta(days=rng.randint(1, 30))
                reminded = remind if remind < now else None
            note = "Come back to this" if rng.random() < 0.1 else ""
            bookmark_rows.append((when, when, note, remind, reminded, post_pk, user))

    topic_columns = (
        "id", "created_at", "updated_at", "title", "slug", "author_name", "is_pinned",
        "is_locked", "is_hidden", "reply_count", "view_count", "last_post_at",
        "last_poster_name", "author_id", "category_id", "last_poster_id",
    )  # fmt: skip
    post_columns = (
        "id", "created_at", "updated_at", "author_name", "body", "html", "is_opening",
        "is_hidden", "hidden_reason", "author_id", "topic_id", "edit_count", "reaction_count",
    )  # fmt: skip
    iterator = iter(topics)
    with tqdm(
        total=n_posts, unit="post", desc="Forum posts", disable=None if progress else True
    ) as bar:
        while batch := list(itertools.islice(iterator, COPY_BATCH_TOPICS)):
            result.posts += copy_rows("forums_post", post_columns, posts_of(batch, bar))
            result.topics += copy_rows("forums_topic", topic_columns, topic_rows)
            result.reactions += copy_rows(
                "forums_reaction",
                ("created_at", "updated_at", "kind", "post_id", "user_id"),
                reaction_rows,
            )
            result.support_acts += copy_rows("members_supportact", ACT_COLUMNS, act_rows)
            result.bookmarks += copy_rows(
                "forums_bookmark",
                (
                    "created_at",
                    "updated_at",
                    "note",
                    "remind_at",
                    "reminded_at",
                    "post_id",
                    "user_id",
                ),
                bookmark_rows,
            )
            for rows in (topic_rows, reaction_rows, act_rows, bookmark_rows):
                rows.clear()
    return written


# --- Polls ----------------------------------------------------------------------------------

QUESTIONS = {
    PollKind.SINGLE: (
        "Which of these do you use most?",
        "What should we improve first?",
        "Where does your day in Acme start?",
    ),
    PollKind.MULTIPLE: (
        "Which of these does your team use?",
        "What should the next webinar cover?",
    ),
    PollKind.RATING: (
        "How would you rate these parts of Acme?",
        "Rate what changed in this release",
    ),
    PollKind.RANKED: ("Rank what we should build next", "Rank these by the time they save you"),
}
OPTION_WORDS = (
    "dashboards", "exports", "the API", "webhooks", "single sign-on", "the mobile app",
    "reports", "search", "notifications", "bulk edit", "templates", "permissions",
    "integrations", "audit logs", "offline mode", "dark mode", "keyboard shortcuts",
    "scheduled reports", "custom fields", "the timeline",
)  # fmt: skip


def _words(rng: random.Random, words: Sequence[str] = OPTION_WORDS) -> dict[str, str]:
    first, second = rng.sample(words, 2)
    return {"a": first, "b": second}


def _weighted_order(count: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """Positions 0..count-1 in a random order where heavier ones tend to come first."""
    remaining = list(range(count))
    order = []
    while remaining:
        index = rng.choices(range(len(remaining)), weights=[weights[i] for i in remaining])[0]
        order.append(remaining.pop(index))
    return order


def polls_write(
    *,
    topics: Sequence[TopicRow],
    member_pks: Sequence[int],
    beta_pks: Sequence[int],
    beta_group_id: int | None,
    now: datetime,
    result: Result,
    progress: bool,
) -> None:
    """Polls on a sample of the topics, added by each topic's author a few minutes after
    opening it, with their ballots and choices as vote_cast stores them (an anonymous poll's
    choices carry no ballot). ballot_count and the topic's touch come in counters_set."""
    rng = random.Random(SEED + 2)  # noqa: S311 - reproducible bench data
    everyone = Members(member_pks, rng)
    beta = Members(beta_pks, rng) if beta_pks else None
    chosen = sorted(rng.sample(range(1, len(topics)), round(len(topics) * POLL_SHARE)))
    if not chosen:
        return
    poll_base = ids_reserve("polls_poll", len(chosen))
    turnouts = [rng.lognormvariate(0, TURNOUT_SIGMA) for _ in chosen]
    ballots_per_poll = _spread(len(chosen) * BALLOTS_PER_POLL, turnouts, rng)
    ballot_base = ids_reserve("polls_ballot", sum(ballots_per_poll))
    next_ballot = ballot_base
    poll_rows, option_rows, group_rows, ballot_rows, choice_rows = [], [], [], [], []
    options_planned = []
    for number, index in enumerate(chosen):
        topic = topics[index]
        kind = rng.choices(POLL_KINDS, weights=POLL_KIND_WEIGHTS)[0]
        count = rng.randint(1, 4) if kind == PollKind.RATING else rng.randint(2, 6)
        texts = [word[0].upper() + word[1:] for word in rng.sample(OPTION_WORDS, count)]
        least, most = 1, None
        if kind == PollKind.MULTIPLE and rng.random() < 0.6:
            most = rng.randint(2, count)
        created = topic.created + timedelta(minutes=rng.randint(1, 10))
        closes = (
            None
            if rng.random() < NO_CLOSING_SHARE
            else created + timedelta(days=rng.randint(3, 30))
        )
        closed_at = None
        if rng.random() < CLOSED_BY_HAND_SHARE:
            # A moderator closed it before the clock would have.
            open_days = (closes - created).days if closes else 20
            closed_at = min(
                created + timedelta(days=rng.uniform(0.5, open_days)), now - timedelta(hours=1)
            )
        group_only = beta is not None and rng.random() < GROUP_ONLY_SHARE
        poll_pk = poll_base + number
        question = rng.choice(QUESTIONS[kind])
        anonymous = rng.random() < ANONYMOUS_SHARE
        poll_rows.append(
            (
                poll_pk, created, closed_at or created, question, kind, least, most, closes,
                closed_at is not None, closed_at,
                rng.choices(VISIBILITIES, weights=VISIBILITY_WEIGHTS)[0], anonymous, 0,
                topic.author, topic.pk,
            )
        )  # fmt: skip
        if group_only:
            group_rows.append((poll_pk, beta_group_id))
        options_planned.append(
            (poll_pk, texts, created, closes, closed_at, group_only, anonymous, kind, most)
        )
    option_base = ids_reserve("polls_option", sum(len(p[1]) for p in options_planned))
    next_option = option_base
    with tqdm(
        total=sum(ballots_per_poll), unit="ballot", desc="Poll ballots",
        disable=None if progress else True,
    ) as bar:  # fmt: skip
        for plan, ballots in zip(options_planned, ballots_per_poll, strict=True):
            poll_pk, texts, created, closes, closed_at, group_only, anonymous, kind, most = plan
            option_pks = list(range(next_option, next_option + len(texts)))
            next_option += len(texts)
            option_rows += [
                (pk, created, created, text, position, poll_pk)
                for position, (pk, text) in enumerate(zip(option_pks, texts, strict=True), 1)
            ]
            popularity = [rng.uniform(0.2, 1.0) ** 2 for _ in texts]
            means = [rng.uniform(2.5, 4.5) for _ in texts]
            ends = [moment for moment in (closes, closed_at, now - timedelta(minutes=5)) if moment]
            span = max((min(ends) - created).total_seconds(), 60)
            pool = beta if group_only else everyone
            # Never most of the electorate: drawing nearly everyone is slow and unreal.
            voters = pool.distinct(min(ballots, len(pool.pks) * 6 // 10))
            for voter in voters:
                at = created + timedelta(seconds=int(span * rng.random() ** 2))
                ballot_pk = next_ballot
                next_ballot += 1
                ballot_rows.append((ballot_pk, at, at, voter, poll_pk))
                sheet = uuid.UUID(int=rng.getrandbits(128), version=4)
                link = None if anonymous else ballot_pk
                if kind == PollKind.RATING:
                    picks = [
                        (pk, None, max(1, min(5, round(rng.gauss(mean, 0.9)))))
                        for pk, mean in zip(option_pks, means, strict=True)
                    ]
                elif kind == PollKind.SINGLE:
                    picks = [(rng.choices(option_pks, weights=popularity)[0], None, None)]
                else:
                    order = [option_pks[i] for i in _weighted_order(len(texts), popularity, rng)]
                    if kind == PollKind.MULTIPLE:
                        picks = [
                            (pk, None, None) for pk in order[: rng.randint(1, most or len(texts))]
                        ]
                    else:
                        chosen_ranks = order[: rng.randint(2, len(order))]
                        picks = [(pk, rank, None) for rank, pk in enumerate(chosen_ranks, 1)]
                choice_rows += [
                    (
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        sheet,
                        rank,
                        value,
                        link,
                        pk,
                        poll_pk,
                    )
                    for pk, rank, value in picks
                ]
            bar.update(len(voters))
            result.ballots += len(voters)
    result.polls += copy_rows(
        "polls_poll",
        (
            "id", "created_at", "updated_at", "question", "kind", "min_choices", "max_choices",
            "closes_at", "is_closed", "closed_at", "results_visibility", "is_anonymous",
            "ballot_count", "created_by_id", "topic_id",
        ),
        poll_rows,
    )  # fmt: skip
    result.options += copy_rows(
        "polls_option",
        ("id", "created_at", "updated_at", "text", "position", "poll_id"),
        option_rows,
    )
    copy_rows("polls_poll_voter_groups", ("poll_id", "group_id"), group_rows)
    copy_rows(
        "polls_ballot", ("id", "created_at", "updated_at", "voter_id", "poll_id"), ballot_rows
    )
    result.choices += copy_rows(
        "polls_choice",
        ("id", "sheet", "rank", "value", "ballot_id", "option_id", "poll_id"),
        choice_rows,
    )


# --- The content library --------------------------------------------------------------------

TOPICS_OF_RESOURCES = (
    "Getting started with {a}", "A guide to {a}", "{A} for administrators", "How we use {a}",
    "{A} and {b}: a checklist", "Troubleshooting {a}", "{A}: best practices",
    "Migrating to {a}", "What's new in {a}", "{A} in five minutes",
)  # fmt: skip
COLLECTION_TITLES = (
    "{A} essentials",
    "Everything about {a}",
    "{A} playbook",
    "Learning {a}",
    "{A} reference",
)
VIDEO_SHARE = 0.2


def _resource_words(rng: random.Random) -> dict[str, str]:
    words = _words(rng)
    return {**words, "A": words["a"][0].upper() + words["a"][1:]}


def library_write(
    *,
    topics: Sequence[TopicRow],
    member_pks: Sequence[int],
    beta_pks: Sequence[int],
    beta_group_id: int | None,
    curators: Sequence[int],
    promoter: int,
    dataset,
    now: datetime,
    result: Result,
    progress: bool,
) -> None:
    """Collections of resources curated by the community team, their tags, the topics
    promoted articles grew out of and the credits (with their LIBRARY_CREDIT acts), files
    with their versions (the demo library's own files: downloads find real bytes), and the
    readers: views per day, downloads, reactions and shares. Counters come in counters_set,
    a share's support acts too."""
    rng = random.Random(SEED + 3)  # noqa: S311 - reproducible bench data
    everyone = Members(member_pks, rng)
    beta = Members(beta_pks, rng) if beta_pks else None
    files = list(
        FileVersion.objects.order_by("pk").values_list(
            "file", "original_name", "size", "content_type"
        )
    )
    tag_ids = list(Tag.objects.order_by("pk").values_list("pk", flat=True))
    n_resources = max(round(len(topics) * RESOURCES_PER_TOPIC), 1)
    n_collections = max(n_resources // RESOURCES_PER_COLLECTION, 1)
    start = min(topic.created for topic in topics)
    span = (now - start).total_seconds()
    collection_base = ids_reserve("library_collection", n_collections)
    resource_base = ids_reserve("library_resource", n_resources)
    collections = []
    collection_rows = []
    for number in range(n_collections):
        access = rng.choices(ACCESSES, weights=ACCESS_WEIGHTS)[0]
        if access == LibraryAccess.PRIVATE and beta is None:
            access = LibraryAccess.MEMBERS
        title = rng.choice(COLLECTION_TITLES).format(**_resource_words(rng))
        created = start + timedelta(seconds=span * number / n_collections)
        collections.append((collection_base + number, access, created))
        collection_rows.append(
            (
                collection_base + number, created, created, f"{title} ({number + 1})",
                f"{slugify(title)}-{number + 1}", f"Resources about {title.lower()}.",
                rng.random() < 0.05, access,
            )
        )  # fmt: skip
    resource_rows, item_rows, tag_rows, source_rows = [], [], [], []
    credit_rows, credit_acts, version_rows, download_rows = [], [], [], []
    view_rows, reaction_rows, share_rows = [], [], []
    positions = dict.fromkeys(range(n_collections), 0)
    resource_type = _content_type(Resource)
    plans = []
    for number in range(n_resources):
        pk = resource_base + number
        collection = rng.randrange(n_collections)
        collection_pk, access, collection_created = collections[collection]
        kind = rng.choices(RESOURCE_KINDS, weights=RESOURCE_KIND_WEIGHTS)[0]
        if kind == ResourceKind.FILE and not files:
            kind = ResourceKind.ARTICLE
        promoted = kind == ResourceKind.ARTICLE and rng.random() < PROMOTED_SHARE
        created = collection_created + timedelta(
            seconds=rng.uniform(0, max((now - collection_created).total_seconds() - 86400, 60))
        )
        words = _resource_words(rng)
        title = rng.choice(TOPICS_OF_RESOURCES).format(**words)
        body = html = url = ""
        if kind == ResourceKind.ARTICLE:
            markdown, html = dataset.post_body(rng)
            body = markdown
        elif kind == ResourceKind.LINK:
            slug_words = slugify(title)
            url = (
                f"https://www.youtube.com/watch?v={rng.getrandbits(48):012x}"
                if rng.random() < VIDEO_SHARE
                else f"https://docs.acme.example/{slug_words}"
            )
        owner = promoter if promoted else rng.choice(curators)
        resource_rows.append(
            (
                pk, created, created, kind, title, f"{slugify(title)}-{number + 1}",
                f"{title}: what to know, in a few minutes.", body, html, url, "", access,
                rng.random() < 0.02, 0, 0, owner, 0,
            )
        )  # fmt: skip
        positions[collection] += 1
        item_rows.append((created, created, positions[collection], collection_pk, pk))
        if rng.random() < 0.1:
            other = rng.randrange(n_collections)
            if other != collection and collections[other][1] == access:
                positions[other] += 1
                item_rows.append((created, created, positions[other], collections[other][0], pk))
        tag_rows += [(pk, tag) for tag in rng.sample(tag_ids, min(len(tag_ids), rng.randint(0, 2)))]
        if promoted:
            topic = topics[rng.randrange(1, len(topics))]
            source_rows.append((pk, topic.pk))
            credit_rows.append((created, created, CreditRole.TOPIC_AUTHOR, topic.author, pk))
            if topic.author != owner:
                credit_acts.append(
                    (
                        created, created, SupportKind.LIBRARY_CREDIT, pk, created, owner,
                        topic.author, resource_type,
                    )
                )  # fmt: skip
        plans.append((pk, kind, access, created, owner, rng.lognormvariate(0, 1.0)))
    readers_of = {
        LibraryAccess.PUBLIC: everyone,
        LibraryAccess.MEMBERS: everyone,
        LibraryAccess.PRIVATE: beta or everyone,
    }
    version_base = ids_reserve(
        "library_fileversion", sum(3 for plan in plans if plan[1] == ResourceKind.FILE)
    )
    next_version = version_base
    today = now.date()
    with tqdm(
        total=len(plans), unit="resource", desc="Library", disable=None if progress else True
    ) as bar:
        for pk, kind, access, created, owner, popularity in plans:
            readers = readers_of[access]
            # Views on a sample of the days since it was added: more days, and more views
            # each day, the more popular it is.
            age = max((today - created.date()).days, 1)
            days = sorted(
                rng.sample(range(age), min(age, max(1, int(VIEW_DAYS_MEAN * popularity))))
            )
            view_rows += [
                (
                    created.date() + timedelta(days=day),
                    max(1, int(rng.expovariate(1 / (5 * popularity)))),
                    pk,
                )
                for day in days
            ]
            if kind == ResourceKind.FILE:
                versions = []
                for number in range(1, rng.choice((1, 1, 2, 3)) + 1):
                    uploaded = created + timedelta(days=30 * (number - 1))
                    if uploaded > now:
                        break
                    name, original, size, content_type = files[(pk + number) % len(files)]
                    version_rows.append(
                        (
                            next_version, uploaded, uploaded, number, name, original, size,
                            content_type, 0, owner, pk,
                        )
                    )  # fmt: skip
                    versions.append((next_version, uploaded))
                    next_version += 1
                for _ in range(int(DOWNLOADS_PER_FILE * popularity)):
                    # Most take the latest version; some one they had found before.
                    version, uploaded = versions[-1] if rng.random() < 0.8 else rng.choice(versions)
                    at = uploaded + timedelta(
                        seconds=rng.uniform(0, (now - uploaded).total_seconds())
                    )
                    user = (
                        None
                        if access == LibraryAccess.PUBLIC and rng.random() < 0.15
                        else readers.pick()
                    )
                    download_rows.append((at, at, user, version, pk))
            reacting = readers.distinct(
                int(rng.expovariate(1 / RESOURCE_REACTIONS_MEAN) * popularity), excluding=owner
            )
            for user in reacting:
                at = created + timedelta(seconds=rng.uniform(0, (now - created).total_seconds()))
                kind_ = rng.choices(LIBRARY_KINDS, weights=LIBRARY_KIND_WEIGHTS)[0]
                reaction_rows.append((at, at, kind_, pk, user))
            for user in readers.distinct(int(rng.expovariate(1 / SHARES_MEAN) * popularity)):
                at = created + timedelta(seconds=rng.uniform(0, (now - created).total_seconds()))
                share_rows.append((at, at, at.date(), pk, user))
            bar.update(1)
    result.collections += copy_rows(
        "library_collection",
        ("id", "created_at", "updated_at", "title", "slug", "summary", "is_featured", "access"),
        collection_rows,
    )
    result.resources += copy_rows(
        "library_resource",
        (
            "id", "created_at", "updated_at", "kind", "title", "slug", "summary", "body", "html",
            "url", "cover", "access", "is_featured", "view_count", "download_count",
            "owner_id", "share_count",
        ),
        resource_rows,
    )  # fmt: skip
    copy_rows(
        "library_collectionitem",
        ("created_at", "updated_at", "position", "collection_id", "resource_id"),
        item_rows,
    )
    copy_rows("library_resource_tags", ("resource_id", "tag_id"), tag_rows)
    copy_rows("library_resource_source_topics", ("resource_id", "topic_id"), source_rows)
    result.credits += copy_rows(
        "library_credit",
        ("created_at", "updated_at", "role", "member_id", "resource_id"),
        credit_rows,
    )
    result.support_acts += copy_rows("members_supportact", ACT_COLUMNS, credit_acts)
    result.file_versions += copy_rows(
        "library_fileversion",
        (
            "id", "created_at", "updated_at", "number", "file", "original_name", "size",
            "content_type", "download_count", "uploaded_by_id", "resource_id",
        ),
        version_rows,
    )  # fmt: skip
    result.view_days += copy_rows(
        "library_resourceviewday", ("day", "views", "resource_id"), view_rows
    )
    result.downloads += copy_rows(
        "library_download",
        ("created_at", "updated_at", "user_id", "version_id", "resource_id"),
        download_rows,
    )
    result.resource_reactions += copy_rows(
        "library_resourcereaction",
        ("created_at", "updated_at", "kind", "resource_id", "user_id"),
        reaction_rows,
    )
    result.shares += copy_rows(
        "library_share", ("created_at", "updated_at", "day", "resource_id", "user_id"), share_rows
    )
    result.support_acts += share_acts_add(resource_base)
    if beta_group_id is not None:
        _private_grants(
            beta_group_id,
            collections=[
                pk for pk, access, _created in collections if access == LibraryAccess.PRIVATE
            ],
            resources=[plan[0] for plan in plans if plan[2] == LibraryAccess.PRIVATE],
        )


def _private_grants(group_id: int, *, collections: list[int], resources: list[int]) -> None:
    """Private collections and resources opened to the Beta Program group, as
    collection_access_grant / resource_access_grant do (one guardian row each)."""
    for table, pks, codename in (
        ("library_collectiongroupobjectpermission", collections, "view_collection"),
        ("library_resourcegroupobjectpermission", resources, "view_resource"),
    ):
        permission = Permission.objects.get(content_type__app_label="library", codename=codename)
        copy_rows(
            table,
            ("permission_id", "group_id", "content_object_id"),
            [(permission.pk, group_id, pk) for pk in pks],
        )
    access_changed_for_everyone()


def share_acts_add(first_resource: int) -> int:
    """A share's support acts, as resource_share records them: the first share of a
    resource by a member gives its owner and each credited member (active, not the sharer)
    one SHARE act, dated by that first share."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO members_supportact
              (created_at, updated_at, kind, target_id, occurred_at, giver_id, receiver_id,
               target_type_id)
            SELECT first.at, first.at, %(kind)s, first.resource_id, first.at, first.user_id,
                   receiver.id, %(type)s
            FROM (SELECT resource_id, user_id, min(created_at) AS at FROM library_share
                  WHERE resource_id >= %(first)s GROUP BY resource_id, user_id) first
            JOIN (SELECT id AS resource_id, owner_id AS member_id FROM library_resource
                  WHERE owner_id IS NOT NULL AND id >= %(first)s
                  UNION
                  SELECT resource_id, member_id FROM library_credit WHERE resource_id >= %(first)s)
                 credited ON credited.resource_id = first.resource_id
            JOIN members_user receiver ON receiver.id = credited.member_id
            WHERE receiver.is_active AND receiver.id <> first.user_id
            """,
            {"kind": SupportKind.SHARE, "type": _content_type(Resource), "first": first_resource},
        )
        return cursor.rowcount


# --- Counters, from the rows ----------------------------------------------------------------

COUNTERS = (
    # A poll added to a topic touches it (poll_create -> topic_touch).
    """UPDATE forums_topic t SET updated_at = p.created_at FROM polls_poll p
       WHERE p.topic_id = t.id AND p.created_at > t.updated_at""",
    # Category.topic_count / post_count / last_activity_at: every topic; its visible posts and
    # its opening post even when hidden (forums.services.moderation._counted_posts); the
    # newest last post.
    """UPDATE forums_category c
       SET topic_count = s.topics, post_count = s.posts, last_activity_at = s.last_at
       FROM (SELECT t.category_id, count(*) AS topics, sum(p.posts) AS posts,
                    max(t.last_post_at) AS last_at
             FROM forums_topic t
             JOIN (SELECT topic_id, count(*) AS posts FROM forums_post
                   WHERE NOT is_hidden OR is_opening GROUP BY topic_id) p ON p.topic_id = t.id
             WHERE t.category_id = ANY(%(categories)s)
             GROUP BY t.category_id) s
       WHERE c.id = s.category_id""",
    # Poll.ballot_count (vote_cast adds one per ballot).
    """UPDATE polls_poll p SET ballot_count = b.n
       FROM (SELECT poll_id, count(*) AS n FROM polls_ballot GROUP BY poll_id) b
       WHERE b.poll_id = p.id AND p.ballot_count <> b.n""",
    # Resource.view_count: the sum of its days (resource_views_apply adds both).
    """UPDATE library_resource r SET view_count = v.n
       FROM (SELECT resource_id, sum(views) AS n FROM library_resourceviewday
             GROUP BY resource_id) v
       WHERE v.resource_id = r.id AND r.view_count <> v.n""",
    # Resource.download_count and FileVersion.download_count (file_download_record).
    """UPDATE library_resource r SET download_count = d.n
       FROM (SELECT resource_id, count(*) AS n FROM library_download GROUP BY resource_id) d
       WHERE d.resource_id = r.id AND r.download_count <> d.n""",
    """UPDATE library_fileversion f SET download_count = d.n
       FROM (SELECT version_id, count(*) AS n FROM library_download GROUP BY version_id) d
       WHERE d.version_id = f.id AND f.download_count <> d.n""",
    # Resource.share_count: one per Share row (at most one a day per member).
    """UPDATE library_resource r SET share_count = s.n
       FROM (SELECT resource_id, count(*) AS n FROM library_share GROUP BY resource_id) s
       WHERE s.resource_id = r.id AND r.share_count <> s.n""",
)


def counters_set(*, category_ids: Sequence[int]) -> list[int]:
    """The denormalised counters the rows above decide, set-wise; returns rows changed per
    statement. Then the stored "most helpful" score, which the nightly job would refresh
    (members.services.trust.helpfulness_recompute)."""
    changed = []
    with connection.cursor() as cursor:
        for statement in COUNTERS:
            cursor.execute(statement, {"categories": list(category_ids)})
            changed.append(cursor.rowcount)
    changed.append(helpfulness_recompute())
    return changed


# --- All of it --------------------------------------------------------------------------------


def seed(
    *,
    dataset,
    category_ids: Sequence[int],
    names: Sequence[tuple[int, str]],
    progress: bool = True,
    report: Callable[[str], None] = print,
    keep_indexes: bool = False,
) -> Result:
    """The large data set into a database seeded by seed_demo, inside the caller's
    transaction. `names`: (pk, name) of the members in id order; dataset user i is names[i].
    `keep_indexes`: load with every index and constraint in place (to measure what setting
    them aside saves)."""
    result = Result()
    now = datetime.now(tz=UTC).replace(microsecond=0)
    member_pks = [pk for pk, _name in names]
    beta_group = Group.objects.filter(name="Beta Program").first()
    beta_group_id = beta_group.pk if beta_group is not None else None
    beta_pks = sorted(beta_group.user_set.values_list("pk", flat=True)) if beta_group else []
    staff = dict(User.objects.filter(username__in=("carmen", "omar")).values_list("username", "pk"))
    curators = [staff["carmen"]] if "carmen" in staff else member_pks[:1]
    promoter = staff.get("omar", curators[0])
    with _timed(result, "indexes and constraints set aside", report):
        saved = None if keep_indexes else indexes_drop(TABLES)
    with _timed(result, "forum: topics, posts, reactions, support acts, bookmarks", report):
        topics = forum_write(
            topics=dataset.topics(now),
            post_counts=dataset.post_counts(),
            category_ids=category_ids,
            names=names,
            now=now,
            result=result,
            progress=progress,
        )
    with _timed(result, "polls: polls, options, ballots, choices", report):
        polls_write(
            topics=topics,
            member_pks=member_pks,
            beta_pks=beta_pks,
            beta_group_id=beta_group_id,
            now=now,
            result=result,
            progress=progress,
        )
    with _timed(result, "library: collections, resources, their readers", report):
        library_write(
            topics=topics,
            member_pks=member_pks,
            beta_pks=beta_pks,
            beta_group_id=beta_group_id,
            curators=curators,
            promoter=promoter,
            dataset=dataset,
            now=now,
            result=result,
            progress=progress,
        )
    report(
        "COPY time by table (row generation included): "
        + ", ".join(
            f"{table} {seconds:.1f}s"
            for table, seconds in sorted(copy_seconds.items(), key=lambda item: -item[1])
        )
    )
    with _timed(result, "indexes and constraints rebuilt", report):
        if saved is not None:
            report(indexes_restore(saved))
    with _timed(result, "counters from the rows", report):
        report(f"rows changed per counter statement: {counters_set(category_ids=category_ids)}")
    return result
