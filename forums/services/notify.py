"""Who hears about a new post, in the app and by e-mail (owned by the notifications work).

For each new post, each person hears of it at most once, for the strongest reason:

  forum_mention       the post @mentions them (forums.services.mentions);
  forum_reply         it replies to their topic, or quotes or links to a post of theirs;
  forum_watched_post  the level that applies to them for the topic is EVERY_POST
                      (forums.services.watching: topic over tags over category).

Never the author, never a member whose applying level for the topic is MUTED (a mute
silences mentions and replies too), never anyone who may not see the post (checked after
commit, and checked again by each e-mail task when it runs). Hidden posts notify nobody.

In-app notifications are written after commit, one INSERT per kind. Mentions and replies
are also e-mailed at once to members who want them (community.EmailPreferences); watched
posts reach e-mail only through the daily or weekly digest (digest_send)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from community.email_preferences import (
    EmailKind,
    email_wanted_by,
    preference_email_build,
)
from community.links import absolute_url
from community.models import DigestFrequency, EmailPreferences
from community.notifications import notifications_create
from community.selectors import branding_get
from forums.models import Post, TopicRead, Watch, WatchLevel
from forums.permissions import readers_among, visible_topics
from forums.services.mentions import mentions_record, mentions_record_for_edit
from forums.services.watching import (
    topic_watch_levels,
    topic_watches_auto,
    watched_topic_filter,
)
from members.models import User
from members.permissions import community_members

KIND_MENTION = "forum_mention"
KIND_REPLY = "forum_reply"
KIND_WATCHED = "forum_watched_post"
# Which e-mail switch (community.EmailPreferences) governs each kind sent at once.
EMAIL_KINDS = {KIND_MENTION: EmailKind.MENTION, KIND_REPLY: EmailKind.REPLY}
# A reply that quotes or links to more posts than this tells only the first ones' authors.
MAX_REPLIED_TO = 10
EXCERPT_CHARS = 600


# --- After posting ---------------------------------------------------------------------------


def post_url(post: Post, *, page: int | None = None) -> str:
    """The path to `post`: on its topic page when the page is known, else through
    forums:post-open, which finds the page."""
    if page is None:
        return reverse("forums:post-open", args=[post.pk])
    return f"{post.topic.get_absolute_url()}?page={page}#post-{post.pk}"


def _post_link_pattern() -> re.Pattern[str]:
    # Quoting writes a link to the quoted post (forums:post-open); absolute links to this
    # site count too.
    prefix = reverse("forums:post-open", args=[0]).rsplit("0/", 1)[0]
    return re.compile(rf"{re.escape(prefix)}(\d{{1,18}})/")


# The composer's quote (forums.selectors.topic.post_quote) opens with "> **Name** wrote:".
QUOTE_HEADER = re.compile(r"^> \*\*(.{1,200}?)\*\* wrote:", re.MULTILINE)
MARKDOWN_ESCAPE = re.compile(r"\\(.)")


def replied_to_author_ids(post: Post) -> set[int]:
    """Whose words `post` answers: the topic's author (for a reply), the authors of the
    posts it links to, and those it quotes (a quote names its author; the earlier posts of
    this topic under that name are theirs). The first MAX_REPLIED_TO of each."""
    ids: set[int] = set()
    if not post.is_opening and post.topic.author_id:
        ids.add(post.topic.author_id)
    linked = list(dict.fromkeys(int(pk) for pk in _post_link_pattern().findall(post.body)))
    if linked:
        ids.update(
            Post.objects.filter(pk__in=linked[:MAX_REPLIED_TO], author__isnull=False)
            .exclude(pk=post.pk)
            .values_list("author_id", flat=True)
        )
    names = list(
        dict.fromkeys(MARKDOWN_ESCAPE.sub(r"\1", name) for name in QUOTE_HEADER.findall(post.body))
    )
    if names:
        ids.update(
            Post.objects.filter(
                topic_id=post.topic_id,
                author_name__in=names[:MAX_REPLIED_TO],
                author__isnull=False,
                created_at__lte=post.created_at,
            )
            .exclude(pk=post.pk)
            .values_list("author_id", flat=True)
            .distinct()
        )
    ids.discard(post.author_id)
    return ids


def post_created(post: Post, *, page: int) -> None:
    """Called by forums.services.posts/topics inside the posting transaction, after the post
    and its counters are saved. `page` is the topic page the post is on.

    In the transaction: the author watches their new topic (EVERY_POST) or tracks the topic
    they replied to (MENTIONS), unless they chose a level already; the members it mentions
    are recorded. After commit: notifications and e-mails (module docstring)."""
    topic = post.topic
    author_id = post.author_id
    if author_id is not None:
        topic_watches_auto(
            topic=topic,
            user_ids=[author_id],
            level=WatchLevel.EVERY_POST if post.is_opening else WatchLevel.MENTIONS,
        )
    mentioned = mentions_record(post=post)
    explicit: dict[int, str] = {member.pk: KIND_MENTION for member in mentioned}
    for user_id in replied_to_author_ids(post):
        explicit.setdefault(user_id, KIND_REPLY)
    url = post_url(post, page=page)
    post_id = post.pk
    transaction.on_commit(
        lambda: post_notify(post_id=post_id, url=url, explicit=explicit, watchers=True),
        # The post is saved by then: a failed notice is logged, not a 500 that invites the
        # member to post it twice.
        robust=True,
    )


def post_edited(post: Post, *, previous_body: str) -> list[User]:
    """Called by forums.services.editing inside the edit's transaction, after the new body
    is saved. Records the members the edit newly mentions and tells them (in the app and by
    e-mail, after commit): anyone already mentioned before the edit, or already told about
    this post, hears nothing again. Returns the newly mentioned members."""
    members = mentions_record_for_edit(post, previous_body=previous_body)
    if members:
        explicit = {member.pk: KIND_MENTION for member in members}
        url = post_url(post)
        post_id = post.pk
        transaction.on_commit(
            lambda: post_notify(post_id=post_id, url=url, explicit=explicit, watchers=False),
            robust=True,
        )
    return members


@dataclass(frozen=True)
class Delivery:
    user: User
    kind: str


def post_audience(*, post: Post, explicit: dict[int, str], watchers: bool) -> list[Delivery]:
    """Who hears of `post` and why (module docstring): `explicit` maps members to their
    mention/reply kind; `watchers` adds those at EVERY_POST. A constant number of queries
    (a few per 500 candidates)."""
    topic = post.topic
    if post.is_hidden:
        return []
    levels = (
        topic_watch_levels(topic=topic)
        if watchers
        else topic_watch_levels(topic=topic, user_ids=explicit)
    )
    kinds = dict(explicit)
    if watchers:
        for user_id, level in levels.items():
            if level == WatchLevel.EVERY_POST:
                kinds.setdefault(user_id, KIND_WATCHED)
    kinds.pop(post.author_id, None)
    for user_id, level in levels.items():
        if level == WatchLevel.MUTED:
            kinds.pop(user_id, None)
    readers = readers_among(topic, kinds)
    return [Delivery(user=user, kind=kinds[user.pk]) for user in readers]


def _sentence(*, kind: str, post: Post, user: User) -> str:
    name = post.author.public_name if post.author else post.author_name
    title = post.topic.title
    if kind == KIND_MENTION:
        return f"{name} mentioned you in “{title}”"
    if kind == KIND_REPLY:
        if post.topic.author_id == user.pk:
            return f"{name} replied to “{title}”"
        return f"{name} replied to your post in “{title}”"
    if post.is_opening:
        return f"{name} started “{title}”"
    return f"{name} posted in “{title}”"


def post_notify(*, post_id: int, url: str, explicit: dict[int, str], watchers: bool) -> int:
    """Write the in-app notifications for a saved post and queue its e-mails. Runs after
    commit; returns how many members were notified."""
    post = (
        Post.objects.select_related("topic__category__parent", "author").filter(pk=post_id).first()
    )
    if post is None:
        return 0
    deliveries = post_audience(post=post, explicit=explicit, watchers=watchers)
    groups: dict[tuple[str, str], list[User]] = {}
    for delivery in deliveries:
        sentence = _sentence(kind=delivery.kind, post=post, user=delivery.user)
        groups.setdefault((delivery.kind, sentence), []).append(delivery.user)
    for (kind, sentence), recipients in groups.items():
        notifications_create(
            recipients=recipients, kind=kind, verb=sentence, url=url, actor=post.author
        )
    _emails_queue(post=post, url=url, deliveries=deliveries)
    return len(deliveries)


def _emails_queue(*, post: Post, url: str, deliveries: list[Delivery]) -> None:
    from forums.tasks.email import post_email_send_task

    for email_kind in (EmailKind.MENTION, EmailKind.REPLY):
        user_ids = [
            delivery.user.pk
            for delivery in deliveries
            if EMAIL_KINDS.get(delivery.kind) == email_kind and delivery.user.email
        ]
        for user_id in sorted(email_wanted_by(user_ids=user_ids, kind=email_kind)):
            transaction.on_commit(
                lambda user_id=user_id, email_kind=email_kind: post_email_send_task.delay(
                    post_id=post.pk, user_id=user_id, kind=str(email_kind), path=url
                )
            )


# --- E-mail at once ------------------------------------------------------------------------


def _excerpt(post: Post, chars: int = EXCERPT_CHARS) -> str:
    """The post as plain text (from its sanitised HTML, so Markdown marks do not show)."""
    text = html.unescape(strip_tags(post.html)) if post.html else post.body
    return Truncator(" ".join(text.split())).chars(chars)


def post_email_send(*, post_id: int, user_id: int, kind: str, path: str) -> bool:
    """E-mail one member about a post that mentions them or replies to them. Everything is
    checked again now, when the mail leaves: the post is still there and shown, the member
    may still see it, still wants this kind of mail, and has not muted the topic. Returns
    whether a mail was sent."""
    email_kind = EmailKind(kind)
    user = community_members().filter(pk=user_id).exclude(email="").first()
    post = (
        Post.objects.select_related("topic__category__parent", "author")
        .filter(pk=post_id, is_hidden=False)
        .first()
    )
    if user is None or post is None or post.author_id == user.pk:
        return False
    if not visible_topics(user).filter(pk=post.topic_id).exists():
        return False
    if not email_wanted_by(user_ids=[user.pk], kind=email_kind):
        return False
    level = topic_watch_levels(topic=post.topic, user_ids=[user.pk]).get(user.pk)
    if level == WatchLevel.MUTED:
        return False
    kind_key = KIND_MENTION if email_kind == EmailKind.MENTION else KIND_REPLY
    context = {
        "branding": branding_get(),
        "user": user,
        "post": post,
        "topic": post.topic,
        "author_name": post.author.public_name if post.author else post.author_name,
        "sentence": _sentence(kind=kind_key, post=post, user=user),
        "kind": str(email_kind),
        "excerpt": _excerpt(post),
        "post_url": absolute_url(path),
    }
    message = preference_email_build(
        user=user,
        kind=email_kind,
        template_prefix="email/forums/post_notification",
        context=context,
    )
    message.send()
    return True


# --- Digests -----------------------------------------------------------------------------

DIGEST_PERIODS = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}
# A digest counts as already sent for this round when the last one covered up to this
# close to now: a retried or doubled run sends nothing twice, a late one still goes out.
DIGEST_SLACK = timedelta(hours=4)
DIGEST_MAX_POSTS = 50


def digest_due_frequencies(now: datetime) -> list[str]:
    """Daily members every day; weekly members on Mondays (in the site's time zone)."""
    frequencies = [DigestFrequency.DAILY]
    if timezone.localtime(now).weekday() == 0:
        frequencies.append(DigestFrequency.WEEKLY)
    return frequencies


def digest_recipient_ids(*, now: datetime) -> list[int]:
    """Members whose digest is due today: a frequency due today (no preferences row means
    the default, weekly) and something watched at EVERY_POST (nobody else can have
    anything in a digest)."""
    frequencies = digest_due_frequencies(now)
    wanted = Q(email_preferences__digest__in=frequencies)
    if DigestFrequency.WEEKLY in frequencies:
        wanted |= Q(email_preferences__isnull=True)
    watching = Watch.objects.filter(user_id=OuterRef("pk"), level=WatchLevel.EVERY_POST)
    return list(
        community_members()
        .exclude(email="")
        .filter(wanted)
        .filter(Exists(watching))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def digest_posts(*, user: User, since: datetime, until: datetime) -> list[Post]:
    """What a member's digest shows: posts made in (since, until] in topics they may see
    now and whose applying level is EVERY_POST, not their own, not hidden and not already
    read; oldest first, at most DIGEST_MAX_POSTS + 1 (the extra one says "more")."""
    read = TopicRead.objects.filter(
        user=user, topic_id=OuterRef("topic_id"), last_read_at__gte=OuterRef("created_at")
    )
    return list(
        Post.objects.filter(
            created_at__gt=since,
            created_at__lte=until,
            is_hidden=False,
            topic__in=visible_topics(user).values("pk"),
        )
        .filter(watched_topic_filter(user, level=WatchLevel.EVERY_POST, prefix="topic__"))
        .exclude(author=user)
        .exclude(Exists(read))
        .select_related("topic")
        .order_by("topic_id", "created_at", "pk")[: DIGEST_MAX_POSTS + 1]
    )


def digest_send(*, user_id: int, until: datetime) -> bool:
    """Send one member the digest of watched activity up to `until`, if due and not empty.

    The span starts where the last digest ended (EmailPreferences.digest_sent_until; for a
    first digest, one period back), so no run repeats or skips a post. The span is claimed
    with a conditional UPDATE before anything is sent and given back if sending fails, so
    two runs never both send it. Returns whether a mail was sent."""
    user = community_members().filter(pk=user_id).exclude(email="").first()
    if user is None:
        return False
    preferences, _ = EmailPreferences.objects.get_or_create(user=user)
    period = DIGEST_PERIODS.get(preferences.digest)
    if period is None:
        return False
    previous = preferences.digest_sent_until
    if previous is not None and previous > until - period + DIGEST_SLACK:
        return False
    since = previous or until - period
    claimed = (
        EmailPreferences.objects.filter(pk=preferences.pk, digest_sent_until=previous)
        if previous is not None
        else EmailPreferences.objects.filter(pk=preferences.pk, digest_sent_until__isnull=True)
    ).update(digest_sent_until=until, updated_at=timezone.now())
    if not claimed:
        return False
    try:
        posts = digest_posts(user=user, since=since, until=until)
        if not posts:
            return False
        message = _digest_email(user=user, posts=posts, frequency=preferences.digest)
        message.send()
    except Exception:
        EmailPreferences.objects.filter(pk=preferences.pk, digest_sent_until=until).update(
            digest_sent_until=previous
        )
        raise
    return True


def _digest_email(*, user: User, posts: list[Post], frequency: str):
    more = len(posts) > DIGEST_MAX_POSTS
    posts = posts[:DIGEST_MAX_POSTS]
    topics: dict[int, dict] = {}
    for post in posts:
        entry = topics.setdefault(
            post.topic_id,
            {
                "topic": post.topic,
                "url": absolute_url(post.topic.get_absolute_url()),
                "posts": [],
            },
        )
        entry["posts"].append(
            {
                "author_name": post.author_name,
                "excerpt": _excerpt(post, 240),
                "url": absolute_url(post_url(post)),
                "created_at": post.created_at,
            }
        )
    context = {
        "branding": branding_get(),
        "user": user,
        "topics": list(topics.values()),
        "post_count": len(posts),
        "more": more,
        "frequency": frequency,
        "latest_url": absolute_url(reverse("forums:latest")),
    }
    return preference_email_build(
        user=user,
        kind=EmailKind.DIGEST,
        template_prefix="email/forums/digest",
        context=context,
    )


def digests_send(*, now: datetime | None = None) -> int:
    """The daily beat job: queue one digest task per member due today. Returns how many."""
    from forums.tasks.email import digest_send_task

    now = now or timezone.now()
    user_ids = digest_recipient_ids(now=now)
    for user_id in user_ids:
        digest_send_task.delay(user_id=user_id, until=now.isoformat())
    return len(user_ids)
