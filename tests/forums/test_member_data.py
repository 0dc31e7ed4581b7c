import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from forums.models import (
    Bookmark,
    Draft,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReactionKind,
    SearchQuery,
    Topic,
    Watch,
    WatchLevel,
)
from members.services.data import member_data_export, member_erase
from tests.forums.factories import PostFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_export_holds_the_members_posts_and_nobody_elses():
    author = UserFactory(username="frida", display_name="Frida Kahlo")
    topic = TopicFactory(author=author, title="Printing labels")
    PostFactory(topic=topic, author=UserFactory(), body="Someone else's reply")

    archive = zipfile.ZipFile(io.BytesIO(member_data_export(member=author)))
    name = next(n for n in archive.namelist() if n.endswith("/posts.json"))
    posts = json.loads(archive.read(name))

    assert [(p["topic"], p["opening_post"]) for p in posts] == [("Printing labels", True)]


def test_erase_keeps_posts_but_takes_the_name_off_them():
    author = UserFactory(username="frida", display_name="Frida Kahlo")
    topic = TopicFactory(author=author, title="Printing labels")
    reply = PostFactory(topic=topic, author=author, body="Still here")
    Topic.objects.filter(pk=topic.pk).update(last_poster=author, last_poster_name="Frida Kahlo")

    member_erase(member=author, actor=author)

    topic.refresh_from_db()
    assert Post.objects.filter(pk=reply.pk, body="Still here").exists()
    assert not Post.objects.filter(author_name__icontains="Frida").exists()
    assert (topic.author_name, topic.last_poster_name) == ("Former member", "Former member")


def _archive_json(member, suffix):
    archive = zipfile.ZipFile(io.BytesIO(member_data_export(member=member)))
    name = next(n for n in archive.namelist() if n.endswith(suffix))
    return json.loads(archive.read(name))


def test_export_holds_reactions_bookmarks_drafts_watches_and_edit_history():
    member = UserFactory()
    other_post = PostFactory(body="Useful answer")
    Reaction.objects.create(post=other_post, user=member, kind=ReactionKind.THANKS)
    Reaction.objects.create(post=other_post, user=UserFactory(), kind=ReactionKind.LIKE)
    Bookmark.objects.create(post=other_post, user=member, note="read later")
    Draft.objects.create(user=member, topic=other_post.topic, body="Half a thought")
    Watch.objects.create(user=member, topic=other_post.topic, level=WatchLevel.EVERY_POST)
    own = PostFactory(author=member, body="Now")
    PostRevision.objects.create(post=own, editor=member, body="Before")

    activity = _archive_json(member, "/forum_activity.json")
    revisions = _archive_json(member, "/post_revisions.json")

    assert [(r["post_id"], r["reaction"]) for r in activity["reactions"]] == [
        (other_post.pk, "thanks")
    ]
    assert [b["note"] for b in activity["bookmarks"]] == ["read later"]
    assert [d["body"] for d in activity["drafts"]] == ["Half a thought"]
    assert [w["topic_id"] for w in activity["watching"]] == [other_post.topic_id]
    assert [r["body"] for r in revisions] == ["Before"]


def test_erase_deletes_private_forum_state_but_keeps_reactions():
    member = UserFactory()
    post = PostFactory()
    Reaction.objects.create(post=post, user=member)
    Bookmark.objects.create(post=post, user=member)
    Draft.objects.create(user=member, topic=post.topic, body="Secret plans")
    Watch.objects.create(user=member, topic=post.topic, level=WatchLevel.MUTED)
    SearchQuery.objects.create(user=member, query="salary bands", result_count=0)

    member_erase(member=member, actor=member)

    assert not Draft.objects.filter(body="Secret plans").exists()
    assert not Bookmark.objects.exists() and not Watch.objects.exists()
    assert Reaction.objects.filter(post=post).count() == 1
    assert SearchQuery.objects.get(query="salary bands").user is None


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def test_export_holds_the_images_the_member_uploaded():
    member = UserFactory()
    mine = _png()
    PostImage.objects.create(uploader=member, image=SimpleUploadedFile("chart-ab12.png", mine))
    PostImage.objects.create(uploader=UserFactory(), image=SimpleUploadedFile("x.png", _png()))

    archive = zipfile.ZipFile(io.BytesIO(member_data_export(member=member)))
    images = [n for n in archive.namelist() if "/forum_images/" in n]

    assert len(images) == 1 and images[0].endswith("chart-ab12.png")
    assert archive.read(images[0]) == mine
