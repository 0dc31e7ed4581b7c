import pytest

from community.models import Notification
from forums.models import PostMention
from forums.services.mentions import (
    MAX_MENTIONS_PER_POST,
    mentioned_usernames,
    mentions_record,
)
from forums.services.notify import post_edited
from forums.services.posts import post_create
from forums.services.topics import topic_create
from tests.forums.factories import PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_mentions_are_found_in_prose_but_not_in_code_quotes_or_addresses():
    body = """Hi @Maya and @bob.smith. Ask @maya again, end of sentence @carol.

`@inline_code` or mail dan@example.org, see /path/@eve

```
@fenced
```

    @indented

> @quoted said so

- a list item for @frank_1
"""
    assert mentioned_usernames(body) == ["maya", "bob.smith", "carol", "frank_1"]


def test_mention_handles_follow_the_username_rules():
    assert mentioned_usernames("@abc @ab @-nope @okay- @x" + "y" * 40) == ["abc", "okay"]


def test_a_post_records_the_members_it_mentions_case_insensitively(category, member):
    maya = UserFactory(username="Maya")
    topic = topic_create(category=category, author=member, title="Hello", body="Hi @maya!")
    assert list(PostMention.objects.filter(post__topic=topic).values_list("user", flat=True)) == [
        maya.pk
    ]


def test_self_mentions_and_unknown_handles_record_nothing(category, member):
    topic = topic_create(
        category=category, author=member, title="Hello", body=f"@{member.username} @nobody"
    )
    assert not PostMention.objects.filter(post__topic=topic).exists()


def test_mentions_are_capped_per_post(category, member):
    # The composer refuses such a post (forums.services.limits); the cap holds regardless.
    people = [UserFactory(username=f"person{n:02}") for n in range(MAX_MENTIONS_PER_POST + 3)]
    body = " ".join(f"@{person.username}" for person in people)
    post = PostFactory(topic=TopicFactory(category=category), author=member, body=body)
    mentions_record(post=post)
    recorded = set(PostMention.objects.filter(post=post).values_list("user", flat=True))
    assert recorded == {person.pk for person in people[:MAX_MENTIONS_PER_POST]}


def test_a_non_member_mentioned_in_a_private_topic_is_neither_recorded_nor_notified(
    django_capture_on_commit_callbacks,
):
    insider, outsider, author = UserFactory(), UserFactory(username="outsider"), UserFactory()
    private = private_category_for(insider, author)
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_create(
            category=private,
            author=author,
            title="Beta roadmap",
            body=f"@{insider.username} @outsider look",
        )
    assert list(PostMention.objects.filter(post__topic=topic).values_list("user", flat=True)) == [
        insider.pk
    ]
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert Notification.objects.get(recipient=insider).kind == "forum_mention"


def test_an_edit_notifies_only_the_newly_mentioned(
    topic, member, django_capture_on_commit_callbacks
):
    maya, bob = UserFactory(username="maya"), UserFactory(username="bob")
    with django_capture_on_commit_callbacks(execute=True):
        post = post_create(topic=topic, author=member, body="Thanks @maya")
    assert Notification.objects.filter(recipient=maya, kind="forum_mention").count() == 1

    previous = post.body
    post.body = "Thanks @maya and @bob"
    post.save()
    with django_capture_on_commit_callbacks(execute=True):
        newly = post_edited(post, previous_body=previous)

    assert newly == [bob]
    assert Notification.objects.filter(recipient=maya, kind="forum_mention").count() == 1
    bob_notice = Notification.objects.get(recipient=bob)
    assert bob_notice.kind == "forum_mention"
    assert bob_notice.url == f"/forums/p/{post.pk}/"

    # Taking a mention out and putting it back tells nobody twice.
    post.body, previous = "Thanks", post.body
    post.save()
    with django_capture_on_commit_callbacks(execute=True):
        post_edited(post, previous_body=previous)
    post.body, previous = "Thanks @bob", post.body
    post.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_edited(post, previous_body=previous) == []
    assert Notification.objects.filter(recipient=bob).count() == 1
