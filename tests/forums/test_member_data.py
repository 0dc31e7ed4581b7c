import io
import json
import zipfile

import pytest

from forums.models import Post, Topic
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
