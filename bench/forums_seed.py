"""Load the peers' forum data set (bench/peers_dataset.py) into a seeded bench database,
so Hearth is measured on the same topics and posts as Spirit, machina and Misago. Run inside
`manage.py shell` after `seed_demo --members N` (bench/run_forums.sh does both):

    BENCH_SEED_OUT=seed.json [BENCH_LARGE=1] \
    python manage.py shell -c "exec(open('bench/forums_seed.py').read())"

Same shape and content as the peers: 20 public categories ("Category 01".."Category 20"),
20,000 topics and 200,000 posts with the same titles, bodies, pre-rendered HTML and dates,
the hot topic (dataset topic 0, 500 posts) first. Dataset user i writes as the i-th seeded
member (by id, the demo log-ins first), so the authors are real Hearth members with
profiles. Written with demo.forums.topics_bulk_write, the seed_demo bulk writer (5,000 posts
per INSERT round, counters computed, no per-row rendering).

BENCH_LARGE=1 scales the same generator to 100,000 topics and 1,000,000 posts over every
seeded member (a large community; BENCH_SCALE=0.1 a tenth of it, to try the seed quickly)
and writes them with COPY together with reactions, polls, the library and bookmarks
(bench/large_seed.py; BENCH_KEEP_INDEXES=1 loads with every index in place, to measure what
setting them aside saves). Prints timings and writes the hot topic's id and slug, the row
counts and the time of each step to BENCH_SEED_OUT."""

import json
import os
import sys
import time

from django.db import transaction

from demo.forums import PostPlan, TopicPlan, search_indexes_deferred, topics_bulk_write
from forums.models import Category, CategoryAccess, Topic
from members.models import User

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
import peers_dataset as dataset

started = time.perf_counter()
LARGE = os.environ.get("BENCH_LARGE") == "1"
if LARGE:
    scale = float(os.environ.get("BENCH_SCALE") or 1)
    dataset.N_TOPICS = round(100_000 * scale)
    dataset.N_POSTS = round(1_000_000 * scale)
if Topic.objects.filter(title__startswith="Topic 1: ").exists():
    raise SystemExit("this database already holds the peers' data set; recreate it first")

people = list(
    User.objects.exclude(username="AnonymousUser")
    .order_by("pk")
    .values_list("pk", "display_name", "username")
)
dataset.N_USERS = len(people) if LARGE else dataset.N_USERS
if len(people) < dataset.N_USERS:
    raise SystemExit(
        f"the data set needs {dataset.N_USERS} members, the database has {len(people)}"
    )
names = [(pk, display_name or username) for pk, display_name, username in people]

with transaction.atomic():
    first_position = 100  # after the demo categories
    categories = [
        Category.objects.create(
            name=title,
            slug=f"category-{index + 1:02d}",
            description=description,
            access=CategoryAccess.PUBLIC,
            position=first_position + index,
        )
        for index, title, description in dataset.categories()
    ]

    def plans():
        for topic in dataset.topics():
            posts = []
            for user_index, at, markdown, html in topic["posts"]:
                pk, name = names[user_index]
                posts.append(PostPlan(pk, name, at, markdown, html))
            yield TopicPlan(
                category_id=categories[topic["category_index"]].pk,
                title=topic["title"],
                posts=posts,
            )

    if LARGE:
        import large_seed

        result = large_seed.seed(
            dataset=dataset,
            category_ids=[category.pk for category in categories],
            names=names,
            report=lambda line: print(line, flush=True),
            keep_indexes=os.environ.get("BENCH_KEEP_INDEXES") == "1",
        )
    else:
        with search_indexes_deferred():
            result = topics_bulk_write(plans(), total_posts=dataset.N_POSTS, progress=True)

hot = Topic.objects.filter(title__startswith="Topic 1: ").order_by("pk").first()
elapsed = time.perf_counter() - started
summary = {
    "topics": result.topics,
    "posts": result.posts,
    "categories": len(categories),
    "members": len(people),
    "hot_topic_pk": hot.pk,
    "hot_topic_slug": hot.slug,
    "hot_topic_posts": hot.reply_count + 1,
    "hot_topic_category": hot.category.slug,
    "seconds": round(elapsed, 1),
}
if LARGE:
    summary["rows"] = {
        name: value
        for name, value in vars(result).items()
        if name not in ("steps", "topics", "posts")
    }
    summary["steps"] = result.steps
print(json.dumps(summary))
if os.environ.get("BENCH_SEED_OUT"):
    with open(os.environ["BENCH_SEED_OUT"], "w") as f:
        json.dump(summary, f, indent=1)
