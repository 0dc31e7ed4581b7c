"""What bench/load.py needs to know about the seeded forum bench database, written as JSON to
BENCH_LOAD_TARGETS (run inside `manage.py shell`; bench/run_load.sh does it):

- members: the first BENCH_LOAD_MEMBERS people of the peers' data set (dataset user i is the
  i-th seeded member by id, bench/forums_seed.py) who can sign in with their password:
  community members, not suspended, a verified primary address, no second factor. They all
  have the demo password, which goes into the file too;
- topics: every topic of the peers' data set as [id, slug, last page], in the data set's
  order (the hot topic first), so a Zipf rank is a data set index;
- categories ([id, slug]) of the data set and the tags a visitor may open;
- the open polls, and for each member the ones they may still vote in (they see the topic,
  have not voted, are in the poll's groups if it has any): nobody opens a topic they cannot
  see, and a vote logged by the benchmark is then always a new ballot.

Reads only; nothing in the database changes."""

import json
import math
import os
import re

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from demo.members import DEMO_PASSWORD
from forums.models import Category, Topic
from forums.permissions import can_view_topic
from forums.selectors.lists import tag_list_for
from forums.services.posts import POSTS_PER_PAGE
from members.models import User
from members.permissions import community_member_q
from polls.models import Poll
from polls.selectors import poll_page

wanted = int(os.environ.get("BENCH_LOAD_MEMBERS", "140"))
now = timezone.now()
members = list(
    User.objects.filter(community_member_q())
    .exclude(suspended_until__gt=now)
    .filter(
        Exists(
            EmailAddress.objects.filter(
                user=OuterRef("pk"), primary=True, verified=True, email=OuterRef("email")
            )
        )
    )
    .exclude(Exists(Authenticator.objects.filter(user=OuterRef("pk"))))
    .order_by("pk")
    .values("pk", "username", "email")[:wanted]
)
if len(members) < wanted:
    raise SystemExit(f"only {len(members)} members can sign in; {wanted} were asked for")

title_number = re.compile(r"^Topic (\d+): ")
numbered = []
for pk, slug, title, replies in Topic.objects.filter(
    title__startswith="Topic ", is_hidden=False, merged_into__isnull=True
).values_list("pk", "slug", "title", "reply_count"):
    match = title_number.match(title)
    if match:
        last_page = max(1, math.ceil((replies + 1) / POSTS_PER_PAGE))
        numbered.append((int(match.group(1)), [pk, slug, last_page]))
numbered.sort()
if not numbered or numbered[0][0] != 1:
    raise SystemExit("the peers' data set is not in this database (bench/run_forums.sh seeds it)")

categories = list(
    Category.objects.filter(slug__regex=r"^category-\d+$")
    .order_by("slug")
    .values_list("pk", "slug")
)
open_polls = list(
    Poll.objects.select_related("topic__category")
    .filter(closed_at__isnull=True)
    .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
    .order_by("pk")
)
polls = [{"pk": poll.pk, "topic": [poll.topic.pk, poll.topic.slug]} for poll in open_polls]
people = User.objects.in_bulk([m["pk"] for m in members])
for member in members:
    user = people[member["pk"]]
    member["polls"] = []
    for shared in open_polls:
        # poll_page keeps the viewer's facts on the instance it is given: one per member.
        poll = Poll.objects.select_related("topic__category").get(pk=shared.pk)
        if can_view_topic(user, poll.topic) and poll_page(poll=poll, viewer=user).can_vote:
            member["polls"].append(poll.pk)
targets = {
    "server": "hearth",
    "password": DEMO_PASSWORD,
    "members": members,
    "topics": [entry for _, entry in numbered],
    "categories": [list(row) for row in categories],
    "tags": sorted(tag.slug for tag in tag_list_for(viewer=AnonymousUser())),
    "polls": polls,
    "posts_per_page": POSTS_PER_PAGE,
}
with open(os.environ["BENCH_LOAD_TARGETS"], "w") as f:
    json.dump(targets, f)
print(
    f"load targets: {len(members)} members (first {members[0]['username']}), "
    f"{len(numbered)} topics, {len(categories)} categories, {len(targets['tags'])} tags, "
    f"{len(polls)} open polls, {sum(len(m['polls']) for m in members)} votes left to cast"
)
