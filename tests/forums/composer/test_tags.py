import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from forums.models import Tag, Topic
from forums.services.tags import tags_allowed_for, topic_tags_clean, topic_tags_set
from forums.services.topics import topic_create
from members import roles
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def tag(name, *categories):
    created = Tag.objects.create(name=name, slug=name.lower())
    created.categories.set(categories)
    return created


@pytest.fixture
def tags(category):
    other = CategoryFactory()
    return {
        "everywhere": tag("Everywhere"),
        "here": tag("Here", category),
        "elsewhere": tag("Elsewhere", other),
    }


def test_tags_allowed_are_the_unrestricted_ones_and_this_categorys(category, tags):
    assert list(tags_allowed_for(category)) == [tags["everywhere"], tags["here"]]


def test_a_sub_category_offers_its_parents_tags(category, tags):
    child = CategoryFactory(parent=category)
    own = tag("Child only", child)
    assert set(tags_allowed_for(child)) == {tags["everywhere"], tags["here"], own}
    assert own not in tags_allowed_for(category)


def test_the_new_topic_page_offers_only_the_allowed_tags(client_as_member, category, tags):
    page = client_as_member.get(reverse("forums:topic-create", args=[category.slug]))
    content = page.content.decode()
    assert "Everywhere" in content and "Here" in content
    assert "Elsewhere" not in content


def test_a_topic_is_posted_with_its_tags(client_as_member, category, tags):
    response = client_as_member.post(
        reverse("forums:topic-create", args=[category.slug]),
        {"title": "Tagged", "body": "Body", "tags": [tags["here"].pk, tags["everywhere"].pk]},
    )
    assert response.status_code == 302
    assert set(Topic.objects.get().tags.all()) == {tags["here"], tags["everywhere"]}


@pytest.mark.parametrize("forged", ["elsewhere", "missing", "not-a-number"])
def test_a_forged_tag_id_gets_a_clear_form_error_and_stores_nothing(
    client_as_member, category, tags, forged
):
    value = {"elsewhere": tags["elsewhere"].pk, "missing": 999_999, "not-a-number": "x';--"}[forged]
    response = client_as_member.post(
        reverse("forums:topic-create", args=[category.slug]),
        {"title": "Sneaky", "body": "Body", "tags": [tags["here"].pk, value]},
    )
    assert response.status_code == 400
    assert "That tag can&#x27;t be used in this category." in response.content.decode()
    assert not Topic.objects.exists()


def test_at_most_five_tags(client_as_member, category):
    many = [tag(f"T{n}") for n in range(6)]
    response = client_as_member.post(
        reverse("forums:topic-create", args=[category.slug]),
        {"title": "Many", "body": "Body", "tags": [t.pk for t in many]},
    )
    assert response.status_code == 400
    assert "Pick at most 5 tags (you picked 6)." in response.content.decode()
    with pytest.raises(ValidationError, match="at most 5"):
        topic_create(category=category, author=UserFactory(), title="x", body="y", tags=many)
    assert not Topic.objects.exists()


def test_the_service_refuses_a_tag_of_another_category(member, category, tags):
    with pytest.raises(ValidationError, match="Not a tag of"):
        topic_create(
            category=category, author=member, title="x", body="y", tags=[tags["elsewhere"]]
        )
    assert not Topic.objects.exists()


def test_duplicate_tags_count_once(category, tags):
    assert topic_tags_clean(category=category, tags=[tags["here"], tags["here"]]) == [tags["here"]]


def test_the_author_and_moderators_may_retag_a_topic(member, category, tags):
    topic = TopicFactory(category=category, author=member)
    topic_tags_set(topic=topic, tags=[tags["here"]], actor=member)
    assert list(topic.tags.all()) == [tags["here"]]

    moderator = UserFactory(roles=[roles.MODERATORS])
    topic_tags_set(topic=topic, tags=[], actor=moderator)
    assert not topic.tags.exists()


def test_other_members_may_not_retag_and_nor_may_the_author_of_a_locked_topic(
    member, category, tags
):
    topic = TopicFactory(category=category, author=member, locked=True)
    with pytest.raises(PermissionDenied, match="author or a moderator"):
        topic_tags_set(topic=topic, tags=[tags["here"]], actor=UserFactory())
    with pytest.raises(PermissionDenied, match="closed"):
        topic_tags_set(topic=topic, tags=[tags["here"]], actor=member)
    assert not topic.tags.exists()


def test_a_category_without_tags_shows_no_tag_field(client_as_member):
    bare = CategoryFactory()
    Tag.objects.create(name="Only there", slug="only-there").categories.add(CategoryFactory())
    page = client_as_member.get(reverse("forums:topic-create", args=[bare.slug]))
    assert "<legend>Tags" not in page.content.decode()
