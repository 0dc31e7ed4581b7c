import random

import pytest
from django.contrib.auth.models import Group
from django.db.models import Count

from forums.demo import demo_forums_create
from forums.models import Category, Topic
from forums.permissions import visible_categories
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_forums_create_writes_consistent_counters_and_a_private_beta_category():
    people = UserFactory.create_batch(6)
    beta_tester = UserFactory()
    Group.objects.create(name="Beta Program").user_set.add(beta_tester)

    result = demo_forums_create(rng=random.Random(4), people=people)  # noqa: S311

    assert result.topics == Topic.objects.count() > 0
    for category in Category.objects.annotate(n=Count("topics")):
        assert category.topic_count == category.n
    for topic in Topic.objects.annotate(n=Count("posts")):
        assert topic.reply_count == topic.n - 1
    beta = Category.objects.get(slug="beta-program")
    assert beta in visible_categories(beta_tester)
    assert beta not in visible_categories(people[0])
