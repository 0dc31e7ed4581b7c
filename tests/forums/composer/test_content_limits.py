import pytest
from django.core.exceptions import ValidationError

from forums.models import Post, Topic
from forums.services.limits import content_limits_check
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

UPLOADED = "/media/forums/uploads/post-0123456789abcdef.jpg"


@pytest.fixture
def newcomer():
    return UserFactory(trust_level=TrustLevel.NEW)


@pytest.fixture
def basic():
    return UserFactory(trust_level=TrustLevel.BASIC)


@pytest.fixture
def people():
    return [UserFactory(username=f"person{n}") for n in range(12)]


def mentions(count: int) -> str:
    return " ".join(f"@person{n}" for n in range(count))


def refusal(author, body) -> str:
    with pytest.raises(ValidationError) as exc:
        content_limits_check(author, body)
    return " ".join(exc.value.message_dict["body"])


def test_new_members_may_not_link_to_other_sites(newcomer, category):
    message = refusal(newcomer, "Buy at [my shop](https://spam.example/x) or <https://b.example>")
    assert "New members can't post links to other sites yet (b.example, spam.example)." in message
    assert "trust level Basic" in message

    with pytest.raises(ValidationError, match="links to other sites"):
        topic_create(
            category=category, author=newcomer, title="Hi", body="[x](https://spam.example)"
        )
    topic = TopicFactory(category=category)
    with pytest.raises(ValidationError, match="links to other sites"):
        post_create(topic=topic, author=newcomer, body="[x](http://spam.example)")
    with pytest.raises(ValidationError, match="links to other sites"):
        post_create(topic=topic, author=newcomer, body="[mail me](mailto:me@spam.example)")
    assert Topic.objects.count() == 1 and Post.objects.count() == 1


def test_new_members_may_link_within_the_community(newcomer, category, settings):
    settings.SITE_URL = "https://community.example.com"
    topic = TopicFactory(category=category)
    body = (
        "See [this topic](/forums/t/1/x/), [that one](https://community.example.com/forums/) "
        "and [below](#post-3)."
    )
    post = post_create(topic=topic, author=newcomer, body=body)

    assert Post.objects.filter(pk=post.pk, author=newcomer).exists()
    assert 'href="/forums/t/1/x/"' in post.html
    assert 'href="https://community.example.com/forums/"' in post.html


def test_new_members_may_show_one_uploaded_image_but_none_from_elsewhere(newcomer, category):
    topic = TopicFactory(category=category)
    post_create(topic=topic, author=newcomer, body=f"![my error]({UPLOADED})")

    message = refusal(newcomer, f"![a]({UPLOADED}) ![b]({UPLOADED})")
    assert "New members can add up to 1 image per post; this post has 2." in message
    message = refusal(newcomer, "![tracking pixel](https://evil.example/p.gif)")
    assert "New members can only show images uploaded here" in message
    message = refusal(newcomer, "![sneaky](/static/img/favicon.svg)")
    assert "uploaded here" in message


def test_new_members_may_mention_two_people(newcomer, people, category):
    topic = TopicFactory(category=category)
    post_create(topic=topic, author=newcomer, body=f"Thanks {mentions(2)}!")
    message = refusal(newcomer, f"Hey {mentions(3)}")
    assert message == "New members can mention up to 2 people per post; this post mentions 3."


def test_mentions_of_nobody_in_code_or_in_quotes_do_not_count(newcomer, people, category):
    topic = TopicFactory(category=category)
    bodies = [
        "@ghost1 @ghost2 @ghost3 @person0",
        f"`{mentions(5)}`\n\n    {mentions(5)}\n\n> {mentions(5)}",
        "write to a@example.org, b@example.org, c@example.org",
    ]
    posts = [post_create(topic=topic, author=newcomer, body=body) for body in bodies]

    assert [sorted(post.mentions.values_list("user__username", flat=True)) for post in posts] == [
        ["person0"],
        [],
        [],
    ]


def test_every_broken_limit_is_listed(newcomer, people):
    with pytest.raises(ValidationError) as exc:
        content_limits_check(
            newcomer, f"[x](https://a.example) ![y](https://b.example/i.png) {mentions(3)}"
        )
    assert len(exc.value.message_dict["body"]) == 3


def test_basic_members_may_link_embed_and_mention_up_to_ten(basic, people, category):
    topic = TopicFactory(category=category)
    body = (
        f"[docs](https://docs.example) ![chart](https://img.example/c.png) "
        f"![a]({UPLOADED}) ![b]({UPLOADED}) {mentions(10)}"
    )
    post_create(topic=topic, author=basic, body=body)

    message = refusal(basic, mentions(11))
    assert message == "You can mention up to 10 people per post; this post mentions 11."


def _posted_with_link_and_mentions(author, category, count: int) -> Post:
    topic = TopicFactory(category=category)
    post = post_create(topic=topic, author=author, body=f"[x](https://a.example) {mentions(count)}")
    assert 'href="https://a.example"' in post.html
    assert post.mentions.count() == count
    return post


@pytest.mark.parametrize("level", [TrustLevel.MEMBER, TrustLevel.REGULAR, TrustLevel.LEADER])
def test_higher_trust_levels_are_relaxed_too(level, people, category):
    author = UserFactory(trust_level=level)
    _posted_with_link_and_mentions(author, category, 10)
    assert "mention up to 10" in refusal(author, mentions(11))


def test_moderators_are_never_held_to_new_member_limits(people, category):
    moderator = UserFactory(roles=[roles.MODERATORS], trust_level=TrustLevel.NEW)
    _posted_with_link_and_mentions(moderator, category, 5)


def test_the_new_topic_form_shows_the_limit_on_the_body(client, newcomer, category):
    client.force_login(newcomer)
    response = client.post(
        f"/forums/c/{category.slug}/new/",
        {"title": "Hello", "body": "[cheap pills](https://spam.example)"},
    )
    assert response.status_code == 400
    assert "New members can&#x27;t post links to other sites yet" in response.content.decode()
    assert not Topic.objects.exists()


def test_a_refused_post_does_not_use_up_the_rate_limit(newcomer, category):
    for n in range(3):
        with pytest.raises(ValidationError):
            topic_create(
                category=category, author=newcomer, title=f"T{n}", body="[x](https://s.example)"
            )
    for n in range(3):
        topic_create(category=category, author=newcomer, title=f"T{n}", body="Fine")
    assert Topic.objects.count() == 3
