"""Demo forum content for `seed_demo` (wired by members/demo.py's caller): the categories
issue 4 names, and a small, realistic spread of topics and replies over the last 18 months.

Written directly (not through topic_create/post_create): the seed backdates posts and must
not be held to the posting rate limits. Counters are set to match what it writes, and no
support acts or notifications are recorded (the reciprocity demo seeds its own)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from community.markdown import render_markdown
from forums.models import Category, CategoryAccess, Post, Topic
from forums.services.categories import category_access_grant
from forums.services.topics import topic_slug
from members.models import User

CATEGORIES = [
    # slug, name, description, access, is_qa
    ("announcements", "Announcements", "News from the Acme team.", CategoryAccess.PUBLIC, False),
    ("product-qa", "Product Q&A", "Ask how to do things with Acme; mark the answer that helped.",
     CategoryAccess.PUBLIC, True),
    ("ideas", "Ideas", "Suggest improvements and vote for the ones you want.",
     CategoryAccess.PUBLIC, False),
    ("lounge", "Members lounge", "Off-topic chat, for members only.", CategoryAccess.MEMBERS,
     False),
    ("beta-program", "Beta Program", "Early builds and feedback, for the Beta Program group.",
     CategoryAccess.PRIVATE, False),
]  # fmt: skip

TITLES = {
    "announcements": ["Welcome to the community", "Release 4.2 is out", "Scheduled maintenance"],
    "product-qa": [
        "How do I export a report to CSV?",
        "Sync fails after upgrading",
        "Best way to set up user roles?",
        "Can I schedule recurring exports?",
        "API rate limits for bulk imports",
    ],
    "ideas": ["Dark mode for the dashboard", "Keyboard shortcuts", "Slack integration"],
    "lounge": ["What are you working on this week?", "Favourite productivity tools"],
    "beta-program": ["Beta 5: first impressions", "Bug: timeline view freezes"],
}
REPLIES = [
    "Thanks, that fixed it for me.",
    "I had the same problem. Clearing the cache and signing in again worked.",
    "Have a look at **Settings → Exports**; there is a schedule option there.",
    "+1, this would save our team a lot of time.",
    "Could you share the version you are on? `Help → About` shows it.",
]


@dataclass(frozen=True)
class DemoForumsResult:
    categories: list[Category]
    topics: int
    posts: int


@transaction.atomic
def demo_forums_create(*, rng: random.Random, people: list[User]) -> DemoForumsResult:
    """Create the demo categories and their topics from `people` (at least one). Beta Program
    is opened to the "Beta Program" auth group when the groups demo created it."""
    if not people:
        raise ValueError("The demo forums need some members to write the posts.")
    now = timezone.now()
    categories = []
    topics = posts = 0
    for position, (slug, name, description, access, is_qa) in enumerate(CATEGORIES):
        category = Category.objects.create(
            slug=slug,
            name=name,
            description=description,
            access=access,
            is_qa=is_qa,
            position=position,
        )
        categories.append(category)
        if access == CategoryAccess.PRIVATE:
            group = Group.objects.filter(name=name).first()
            if group is not None:
                category_access_grant(category=category, group=group)
        for title in TITLES[slug]:
            started = now - timedelta(days=rng.randint(1, 540), minutes=rng.randint(0, 1440))
            author = rng.choice(people)
            writers = [author, *rng.sample(people, k=min(len(people), rng.randint(0, 4)))]
            stamps = sorted(
                started + timedelta(hours=rng.randint(1, 72) * n) for n in range(len(writers))
            )
            stamps = [min(stamp, now) for stamp in stamps]
            last = writers[-1]
            topic = Topic.objects.create(
                category=category,
                title=title,
                slug=topic_slug(title),
                author=author,
                author_name=author.public_name,
                is_pinned=slug == "announcements" and title.startswith("Welcome"),
                reply_count=len(writers) - 1,
                last_post_at=stamps[-1],
                last_poster=last,
                last_poster_name=last.public_name,
            )
            bodies = [
                f"{title}\n\nAny pointers welcome.",
                *rng.choices(REPLIES, k=len(writers) - 1),
            ]
            rows = Post.objects.bulk_create(
                Post(
                    topic=topic,
                    author=writer,
                    author_name=writer.public_name,
                    body=body,
                    html=render_markdown(body),
                    is_opening=index == 0,
                )
                for index, (writer, body) in enumerate(zip(writers, bodies, strict=True))
            )
            for row, stamp in zip(rows, stamps, strict=True):
                Post.objects.filter(pk=row.pk).update(created_at=stamp, updated_at=stamp)
            Topic.objects.filter(pk=topic.pk).update(created_at=started, updated_at=stamps[-1])
            topics += 1
            posts += len(rows)
        last_activity = Topic.objects.filter(category=category).order_by("-last_post_at").first()
        Category.objects.filter(pk=category.pk).update(
            topic_count=len(TITLES[slug]),
            post_count=Post.objects.filter(topic__category=category).count(),
            last_activity_at=last_activity.last_post_at if last_activity else None,
        )
    return DemoForumsResult(categories=categories, topics=topics, posts=posts)
