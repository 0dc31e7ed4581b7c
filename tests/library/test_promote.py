"""A moderator promotes a topic (or its accepted answer) to a library article: the form is
prefilled from the discussion, the article links back to it, credits the people who wrote
it (and only them), is never wider than the category, notifies the credited members and
shows on their profiles to those who may see it."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from guardian.shortcuts import assign_perm

from community.models import Notification
from forums.services.answers import answer_accept
from forums.services.categories import category_access_grant
from library.models import Credit, CreditRole, LibraryAccess, Resource
from library.permissions import resource_group_ids
from library.promotion import resource_promote
from members.models import SupportAct, SupportKind
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.library.conftest import client_for
from tests.library.factories import CollectionFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        "asker": UserFactory(username="asker", display_name="Ada Asker"),
        "answerer": UserFactory(username="answerer", display_name="Ben Answer"),
        "bystander": UserFactory(username="bystander", display_name="Cy Bystander"),
        "moderator": UserFactory(username="volunteer", display_name="Vera Volunteer"),
        "outsider": UserFactory(username="outsider"),
    }


def solved_topic(category, people):
    topic = TopicFactory(
        category=category,
        author=people["asker"],
        title="How do I rotate API keys?",
        opening_post__body="Our keys are old. **How** do we rotate them safely?",
    )
    PostFactory(topic=topic, author=people["bystander"], body="Same question here.")
    answer = PostFactory(topic=topic, author=people["answerer"], body="Settings → Keys → Rotate.")
    answer_accept(post=answer, actor=people["asker"])
    topic.refresh_from_db()
    return topic, answer


def moderate(user, category):
    assign_perm("forums.moderate_category", user, category)


def promote_data(**overrides):
    data = {
        "title": "Rotating API keys",
        "summary": "How to rotate keys safely.",
        "body": "Go to **Settings → Keys → Rotate**.",
        "access": LibraryAccess.MEMBERS,
    }
    data.update(overrides)
    return data


def test_the_moderator_sees_promote_buttons_on_the_topic_and_the_accepted_answer(people):
    category = CategoryFactory(members=True, qa=True)
    topic, answer = solved_topic(category, people)
    moderate(people["moderator"], category)
    html = client_for(people["moderator"]).get(topic.get_absolute_url()).content.decode()
    promote_url = reverse("library:promote", args=[topic.pk])
    assert f'href="{promote_url}"' in html
    assert f'href="{promote_url}?post={answer.pk}"' in html
    member_html = client_for(people["bystander"]).get(topic.get_absolute_url()).content.decode()
    assert promote_url not in member_html


def test_the_form_is_prefilled_from_the_accepted_answer(people):
    category = CategoryFactory(members=True, qa=True)
    topic, answer = solved_topic(category, people)
    moderate(people["moderator"], category)
    page = client_for(people["moderator"]).get(
        reverse("library:promote", args=[topic.pk]) + f"?post={answer.pk}"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "How do I rotate API keys?" in html
    assert "Settings → Keys → Rotate." in html
    assert "Ada Asker (Topic author)" in html and "Ben Answer (Answer author)" in html
    assert "Cy Bystander" not in html


def test_promoting_credits_the_topic_starter_and_the_answer_author_only(
    people, django_capture_on_commit_callbacks
):
    category = CategoryFactory(members=True, qa=True)
    topic, _ = solved_topic(category, people)
    moderate(people["moderator"], category)
    collection = CollectionFactory(title="Security guides")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["moderator"]).post(
            reverse("library:promote", args=[topic.pk]),
            promote_data(
                credited=[people["asker"].pk, people["answerer"].pk],
                collections=[collection.pk],
            ),
        )
    resource = Resource.objects.get(title="Rotating API keys")
    assert response.status_code == 302 and response["Location"] == resource.get_absolute_url()
    assert list(resource.source_topics.all()) == [topic]
    assert resource.owner == people["moderator"]
    assert list(resource.collections.all()) == [collection]
    credits = {c.member.username: c.role for c in Credit.objects.filter(resource=resource)}
    assert credits == {"asker": CreditRole.TOPIC_AUTHOR, "answerer": CreditRole.ANSWER_AUTHOR}
    acts = SupportAct.objects.filter(kind=SupportKind.LIBRARY_CREDIT, giver=people["moderator"])
    assert sorted(acts.values_list("receiver__username", flat=True)) == ["answerer", "asker"]
    notified = Notification.objects.filter(kind="library_credit")
    assert sorted(notified.values_list("recipient__username", flat=True)) == ["answerer", "asker"]
    assert not Notification.objects.filter(recipient=people["bystander"]).exists()

    page = client_for(people["bystander"]).get(resource.get_absolute_url()).content.decode()
    assert "Ada Asker" in page and "Ben Answer" in page
    assert topic.get_absolute_url() in page  # links back to the discussion


def test_the_moderator_may_untick_a_credit(people):
    category = CategoryFactory(members=True, qa=True)
    topic, _ = solved_topic(category, people)
    moderate(people["moderator"], category)
    client_for(people["moderator"]).post(
        reverse("library:promote", args=[topic.pk]), promote_data(credited=[people["answerer"].pk])
    )
    resource = Resource.objects.get(title="Rotating API keys")
    assert list(resource.credits.values_list("member__username", flat=True)) == ["answerer"]


def test_a_forged_credit_for_someone_else_is_refused_and_nothing_stored(people):
    category = CategoryFactory(members=True, qa=True)
    topic, _ = solved_topic(category, people)
    moderate(people["moderator"], category)
    response = client_for(people["moderator"]).post(
        reverse("library:promote", args=[topic.pk]),
        promote_data(credited=[people["bystander"].pk]),
    )
    assert response.status_code == 400
    assert not Resource.objects.exists() and not Credit.objects.exists()


def test_a_collection_the_moderator_cannot_see_is_refused_by_the_service(people):
    category = CategoryFactory(members=True, qa=True)
    topic, answer = solved_topic(category, people)
    moderate(people["moderator"], category)
    hidden = CollectionFactory(private=True, title="Board papers")
    with pytest.raises(ValidationError) as refused:
        resource_promote(
            actor=people["moderator"],
            topic=topic,
            title="Rotating API keys",
            summary="",
            body="Rotate them.",
            access=LibraryAccess.MEMBERS,
            credited=[people["asker"].pk],
            collections=[hidden],
            source_post_id=answer.pk,
        )
    assert refused.value.message_dict == {"collections": ["Choose collections you can see."]}
    assert not Resource.objects.exists() and not Credit.objects.exists()


@pytest.mark.parametrize("who", ["bystander", "asker"])
def test_a_member_who_does_not_moderate_gets_403_and_nothing_is_stored(people, who):
    category = CategoryFactory(members=True, qa=True)
    topic, _ = solved_topic(category, people)
    client = client_for(people[who])
    url = reverse("library:promote", args=[topic.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, promote_data(credited=[people["asker"].pk])).status_code == 403
    assert not Resource.objects.exists()


def test_a_topic_the_person_cannot_see_is_404(people):
    category = CategoryFactory(private=True)
    topic = TopicFactory(category=category)
    url = reverse("library:promote", args=[topic.pk])
    assert client_for(people["outsider"]).post(url, promote_data()).status_code == 404
    assert not Resource.objects.exists()


def private_solved_topic(people):
    category = CategoryFactory(private=True, qa=True)
    group = Group.objects.create(name="Beta testers")
    group.user_set.add(people["asker"], people["answerer"], people["bystander"])
    category_access_grant(category=category, group=group)
    moderate(people["moderator"], category)
    topic, _ = solved_topic(category, people)
    return topic, group


def test_a_private_topic_promotes_to_a_resource_private_to_the_same_groups(people):
    topic, group = private_solved_topic(people)
    page = client_for(people["moderator"]).get(reverse("library:promote", args=[topic.pk]))
    assert 'value="private" selected' in page.content.decode()
    client_for(people["moderator"]).post(
        reverse("library:promote", args=[topic.pk]),
        promote_data(access=LibraryAccess.PRIVATE, credited=[people["asker"].pk]),
    )
    resource = Resource.objects.get()
    assert resource.access == LibraryAccess.PRIVATE
    assert resource_group_ids(resource) == {group.pk}
    assert client_for(people["bystander"]).get(resource.get_absolute_url()).status_code == 200
    assert client_for(people["outsider"]).get(resource.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("access", [LibraryAccess.MEMBERS, LibraryAccess.PUBLIC])
def test_access_wider_than_the_category_is_refused_with_a_message(people, access):
    topic, _ = private_solved_topic(people)
    response = client_for(people["moderator"]).post(
        reverse("library:promote", args=[topic.pk]),
        promote_data(access=access, credited=[people["asker"].pk]),
    )
    assert response.status_code == 400
    assert "The discussion is private, so the article can" in response.content.decode()
    assert not Resource.objects.exists() and not Credit.objects.exists()


def test_a_members_category_cannot_become_a_public_article(people):
    category = CategoryFactory(members=True, qa=True)
    topic, _ = solved_topic(category, people)
    moderate(people["moderator"], category)
    response = client_for(people["moderator"]).post(
        reverse("library:promote", args=[topic.pk]), promote_data(access=LibraryAccess.PUBLIC)
    )
    assert response.status_code == 400 and not Resource.objects.exists()


def test_credited_members_see_it_on_their_profile_but_outsiders_do_not(people):
    topic, _ = private_solved_topic(people)
    client_for(people["moderator"]).post(
        reverse("library:promote", args=[topic.pk]),
        promote_data(access=LibraryAccess.PRIVATE, credited=[people["answerer"].pk]),
    )
    profile = reverse("members:profile", args=["answerer"])
    own = client_for(people["answerer"]).get(profile).content.decode()
    assert "In the library" in own and "Rotating API keys" in own
    group_mate = client_for(people["bystander"]).get(profile).content.decode()
    assert "Rotating API keys" in group_mate
    outsider = client_for(people["outsider"]).get(profile).content.decode()
    assert "Rotating API keys" not in outsider and "In the library" not in outsider
