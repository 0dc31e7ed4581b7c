from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from forums.models import Post, Topic
from forums.services.editing import post_edit
from forums.services.posts import post_create
from members.models import ApprovalStatus, User
from members.services.data import member_erase
from tests.forums.factories import PostFactory
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _mention_hrefs(html: str) -> list[str]:
    return [
        attrs["href"]
        for tag, attrs in parse_elements(html)
        if tag == "a" and attrs.get("class") == "mention"
    ]


def _topic_page(client, topic) -> str:
    return client.get(topic.get_absolute_url()).content.decode()


def test_a_reply_through_the_composer_links_the_mentioned_member_to_their_profile(
    client, thread, reader
):
    topic, _ = thread
    UserFactory(username="maya")
    client.force_login(reader)

    response = client.post(
        reverse("forums:topic-reply", args=[topic.pk]), {"body": "Over to you, @Maya."}
    )
    assert response.status_code == 302

    page = _topic_page(client, topic)
    assert "/members/maya/" in _mention_hrefs(page)
    assert '<a class="mention" href="/members/maya/"' in page and ">@Maya</a>" in page
    assert client.get("/members/maya/").status_code == 200


def test_unknown_names_and_mentions_in_code_or_links_stay_text(thread, reader):
    topic, _ = thread
    UserFactory(username="maya")
    post = post_create(
        topic=topic,
        author=reader,
        body="@nobody, `@maya`, [@maya](https://example.org) and\n\n```\n@maya\n```",
    )
    assert _mention_hrefs(post.html) == []
    assert "@nobody" in post.html


def test_erased_inactive_and_unapproved_members_are_not_linked(thread, reader):
    topic, _ = thread
    gone = UserFactory(username="gone")
    erased = member_erase(member=gone, actor=gone)
    stale = UserFactory(username="stale")
    User.objects.filter(pk=stale.pk).update(erased_at=timezone.now())
    UserFactory(username="inactive", is_active=False)
    UserFactory(username="waiting", approval_status=ApprovalStatus.PENDING)

    post = post_create(
        topic=topic,
        author=reader,
        body=f"@gone @{erased.username} @stale @inactive @waiting @AnonymousUser",
    )
    assert _mention_hrefs(post.html) == []


def test_hostile_input_around_a_mention_stays_inert(client, thread, reader):
    topic, _ = thread
    UserFactory(username="maya")
    client.force_login(reader)
    body = '@maya"><script>alert(1)</script> @maya<img src=x onerror=alert(1)>'
    client.post(reverse("forums:topic-reply", args=[topic.pk]), {"body": body})

    post = Post.objects.latest("pk")
    assert unsafe_markup(post.html) == []
    assert _mention_hrefs(post.html) == ["/members/maya/", "/members/maya/"]
    page = _topic_page(client, topic)
    assert post.html in page  # shown as stored
    assert "<script>alert" not in page and "<img src=x" not in page


def test_editing_a_post_links_a_mention_added_and_unlinks_one_removed(client, thread, reader):
    topic, reply = thread
    UserFactory(username="maya")
    client.force_login(reader)

    client.post(reverse("forums:post-edit", args=[reply.pk]), {"body": "Thanks @maya"})
    assert "/members/maya/" in _mention_hrefs(_topic_page(client, topic))

    reply.refresh_from_db()
    post_edit(post=reply, editor=reader, body="Thanks, everyone")
    assert "/members/maya/" not in _mention_hrefs(_topic_page(client, topic))


def test_the_preview_links_mentions_as_the_post_will(client_as_member):
    UserFactory(username="maya")
    response = client_as_member.post(
        reverse("forums:preview"), {"body": "Hi @maya and @nobody"}, HTTP_HX_REQUEST="true"
    )
    assert _mention_hrefs(response.content.decode()) == ["/members/maya/"]


def test_the_rerender_command_links_old_mentions_in_batches_only_for_real(thread, author):
    topic, _ = thread
    UserFactory(username="maya")
    old = PostFactory(topic=topic, author=author, body="Old news for @maya")  # plain render
    plain = PostFactory(topic=topic, author=author, body="Nothing to link")
    assert _mention_hrefs(old.html) == []
    Topic.objects.filter(pk=topic.pk).update(updated_at=timezone.now() - timedelta(days=1))
    before = Topic.objects.get(pk=topic.pk).updated_at

    dry = _call("forums_rerender_posts", "--batch-size", "2")
    old.refresh_from_db()
    assert _mention_hrefs(old.html) == []
    assert "would change" in dry and "posts read" in dry

    out = _call("forums_rerender_posts", "--for-real", "--batch-size", "2")
    old.refresh_from_db()
    plain.refresh_from_db()
    assert _mention_hrefs(old.html) == ["/members/maya/"]
    assert "<a" not in plain.html
    assert out.count("posts read") == 2  # 4 posts, 2 a batch
    assert "Done: 1 of 4 posts changed." in out
    assert Topic.objects.get(pk=topic.pk).updated_at > before

    assert "Done: 0 of 4 posts changed." in _call("forums_rerender_posts", "--for-real")


def _call(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
