"""Seed a freshly migrated Spirit database with the peers' data set (bench/peers_dataset.py),
the same records bench/forums_seed.py gives Hearth, so the two engines serve the same topics.

Run from the Spirit project directory with its virtualenv (bench/peers/setup_spirit.sh does):

    DJANGO_SETTINGS_MODULE=site_spirit.settings.bench \
        ../bin/python <repo>/bench/peers/seed_spirit.py OUT.json

Written with bulk_create straight into Spirit's tables: going through Spirit's views or forms
would take hours for 200,000 posts and render Markdown Spirit itself never re-renders on read.
The counters Spirit keeps beside the rows (a topic's comment count, a profile's topic and
comment counts) are filled in, since its pages read them. Prints per-phase timings; writes the
counts and the hot topic's id, slug and category to OUT.json for the benchmark's URLs.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the Spirit project being seeded
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

import peers_dataset as dataset
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils.text import slugify
from spirit.category.models import Category
from spirit.comment.models import Comment
from spirit.topic.models import Topic
from spirit.user.models import UserProfile

out = sys.argv[1]
User = get_user_model()
if Topic.objects.exists():
    sys.exit("Spirit's database already holds topics: recreate it first (setup_spirit.sh --reseed)")

timings = {}
t0 = time.perf_counter()


def lap(name, since):
    timings[name] = round(time.perf_counter() - since, 2)
    print(f"{name:<12} {timings[name]:7.2f}s", flush=True)
    return time.perf_counter()


t = time.perf_counter()
with transaction.atomic():
    # One hash for everyone: hashing 2,000 passwords would be most of the seed's time.
    pw = make_password(dataset.PASSWORD)
    users = User.objects.bulk_create(
        [User(username=u, email=e, password=pw, is_active=True) for _, u, e in dataset.users()],
        batch_size=1000,
    )
    user_pk = [u.pk for u in users]
    UserProfile.objects.bulk_create(
        [
            UserProfile(user_id=pk, nickname=u.username, slug=u.username, is_verified=True)
            for pk, u in zip(user_pk, users, strict=True)
        ],
        batch_size=1000,
    )
t = lap("users", t)

with transaction.atomic():
    # Spirit's migrations create a hidden "Private" category (pk 1) and an empty
    # "Uncategorized"; dropping the latter leaves the data set's 20 categories listed alone.
    Category.objects.filter(title="Uncategorized", topic__isnull=True).delete()
    cats = Category.objects.bulk_create(
        [
            Category(title=title, slug=slugify(title), description=desc, sort=i)
            for i, title, desc in dataset.categories()
        ]
    )
    cat_pk = [c.pk for c in cats]
t = lap("categories", t)

BATCH_TOPICS = 1000
n_topics = n_posts = 0
hot = None


def flush(topic_rows):
    global n_topics, n_posts, hot
    objs = [
        Topic(
            user_id=user_pk[r["user_index"]],
            category_id=cat_pk[r["category_index"]],
            title=r["title"],
            slug=slugify(r["title"])[:50].strip("-"),
            date=r["created"],
            last_active=r["last_active"],
            reindex_at=r["created"],
            comment_count=len(r["posts"]),
        )
        for r in topic_rows
    ]
    Topic.objects.bulk_create(objs)
    if hot is None:  # the generator yields the hot topic first
        hot = objs[0]
    comments = [
        Comment(
            user_id=user_pk[ui],
            topic_id=obj.pk,
            comment=md,
            comment_html=html,
            date=date,
            ip_address="127.0.0.1",
        )
        for obj, r in zip(objs, topic_rows, strict=True)
        for (ui, date, md, html) in r["posts"]
    ]
    Comment.objects.bulk_create(comments, batch_size=5000)
    n_topics += len(objs)
    n_posts += len(comments)


buf = []
with transaction.atomic():
    for row in dataset.topics():
        buf.append(row)
        if len(buf) == BATCH_TOPICS:
            flush(buf)
            buf = []
            if n_topics % 5000 == 0:
                print(f"  topics {n_topics} posts {n_posts}", flush=True)
    if buf:
        flush(buf)
t = lap("topics+posts", t)

with transaction.atomic(), connection.cursor() as c:
    c.execute("""
        UPDATE spirit_user_userprofile p SET
          topic_count = (SELECT count(*) FROM spirit_topic_topic t WHERE t.user_id = p.user_id),
          comment_count = (
            SELECT count(*) FROM spirit_comment_comment c WHERE c.user_id = p.user_id)
    """)
t = lap("counters", t)

# Fresh statistics, or the first pages measured would run on the planner's guesses.
with connection.cursor() as c:
    c.execute("VACUUM ANALYZE")
t = lap("analyze", t)

timings["total"] = round(time.perf_counter() - t0, 2)
hot_category = Category.objects.get(pk=hot.category_id)
result = {
    "peer": "spirit",
    "users": User.objects.count(),
    "categories": Category.objects.exclude(pk=1).count(),
    "topics": Topic.objects.count(),
    "posts": Comment.objects.count(),
    "hot_topic_pk": hot.pk,
    "hot_topic_slug": hot.slug,
    "hot_topic_posts": Comment.objects.filter(topic_id=hot.pk).count(),
    "hot_category_pk": hot_category.pk,
    "hot_category_slug": hot_category.slug,
    "timings_s": timings,
}
with open(out, "w") as f:
    json.dump(result, f, indent=1)
