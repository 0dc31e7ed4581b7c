#!/bin/sh
# Manual check of the view/read flush against a real Redis (not part of the pytest run):
#   sh tests/forums/lists/redis_flush_check.sh
# Uses Redis logical DB 14 (never 13, the test suite's) and a throw-away SQLite file.
set -eu
cd "$(dirname "$0")/../../.."
export DJANGO_SETTINGS_MODULE=community.settings.local
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/14}"
case "$REDIS_URL" in */13) echo "refusing Redis DB 13 (the test suite's)"; exit 1;; esac
DB_FILE="$(mktemp -d)/redis-flush-check.sqlite3"
export DATABASE_URL="sqlite:///$DB_FILE"
.venv/bin/python manage.py migrate --verbosity 0
.venv/bin/python manage.py shell <<'PY'
import threading
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone

from forums.models import Category, Post, Topic, TopicRead
from forums.services import reading
from members.models import User

assert "RedisCache" in settings.CACHES["default"]["BACKEND"], settings.CACHES
print("cache:", settings.CACHES["default"]["LOCATION"])
cache.clear()
user = User.objects.create(username="reader", email="reader@example.org", display_name="Reader")
category = Category.objects.create(name="Check", slug="check")
topics = [
    Topic.objects.create(category=category, title=f"T{n}", slug=f"t{n}", author_name="x")
    for n in range(5)
]
posts = [
    Post.objects.create(topic=topics[0], author_name="x", body="b", html="b") for _ in range(3)
]
start = timezone.now()
minutes = [start, start + timedelta(minutes=1), start + timedelta(minutes=2)]


def view(thread):
    for n in range(125):  # 8 threads x 125 = 1,000 views over 5 topics and 3 minutes
        reading.topic_viewed(AnonymousUser(), topics[n % 5], [], now=minutes[(thread + n) % 3])


threads = [threading.Thread(target=view, args=(t,)) for t in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
reading.topic_viewed(user, topics[0], posts[:2], now=start)

# A flush killed between reading the cache and writing the database.
real_apply = reading._views_apply
reading._views_apply = lambda deltas: (_ for _ in ()).throw(RuntimeError("killed"))
try:
    reading.views_and_reads_flush(now=start + timedelta(minutes=3))
except RuntimeError:
    print("flush 1: killed before its write")
reading._views_apply = real_apply
assert sum(Topic.objects.values_list("view_count", flat=True)) == 0

# Two flushes at once: one takes the lock, the other returns.
results = []
barrier = threading.Barrier(2)


def flush():
    barrier.wait()
    results.append(reading.views_and_reads_flush(now=start + timedelta(minutes=3)))


pair = [threading.Thread(target=flush) for _ in range(2)]
for t in pair:
    t.start()
for t in pair:
    t.join()
print("flushes 2 and 3:", results)
later = reading.views_and_reads_flush(now=start + timedelta(minutes=10))
print("flush 4:", later)
total = sum(Topic.objects.values_list("view_count", flat=True))
read = TopicRead.objects.get(user=user, topic=topics[0])
print("views in the database:", total, "| read position:", read.last_read_post_id)
assert total == 1001, total  # 1,000 visitor views + the member's one
assert read.last_read_post_id == posts[1].pk
print("OK: 1,001 views counted exactly once; read position flushed")
cache.clear()
PY
rm -f "$DB_FILE"
