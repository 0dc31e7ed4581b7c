"""Comments (a forum topic linked to the resource), reactions and shares on a resource page,
and the page's query count with many of each."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from community.links import absolute_url
from forums.models import Category, CategoryAccess, Post, Topic
from forums.permissions import visible_topics
from forums.services import limits
from forums.services.categories import category_access_grant
from library.engagement import comment_add, resource_reaction_add, resource_share
from library.models import Credit, CreditRole, ResourceReaction, Share
from library.services import resource_access_grant
from members.models import SupportAct, SupportKind
from tests.forums.factories import CategoryFactory
from tests.library.conftest import client_for
from tests.library.factories import ResourceFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


def comment_url(resource):
    return reverse("library:resource-comment", args=[resource.slug])


# --- Comments -------------------------------------------------------------------------------


def test_the_first_comment_makes_one_topic_and_later_ones_reply_in_it(member):
    resource = ResourceFactory(title="Onboarding checklist")
    client = client_for(member)
    first = client.post(comment_url(resource), {"body": "Step 3 is out of date."})
    assert first.status_code == 302
    other = UserFactory()
    client_for(other).post(comment_url(resource), {"body": "Agreed, it moved."})
    topic = Topic.objects.get()
    assert topic.category.slug == "library-discussions"
    assert topic.category.access == CategoryAccess.MEMBERS
    assert topic.title == "Comments: Onboarding checklist"
    resource.refresh_from_db()
    assert resource.discussion_topic == topic
    opening = topic.posts.get(is_opening=True)
    assert resource.get_absolute_url() in opening.html
    assert topic.posts.count() == 2
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Step 3 is out of date." in page and "Agreed, it moved." in page
    assert topic.get_absolute_url() in page


def test_an_empty_comment_is_refused_with_a_message_and_nothing_stored(client_as_member):
    resource = ResourceFactory()
    response = client_as_member.post(comment_url(resource), {"body": "   "})
    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    assert not Topic.objects.exists() and not Category.objects.exists()


def test_a_public_resource_comment_thread_is_not_shown_to_visitors(client, member):
    resource = ResourceFactory(public=True)
    comment_add(resource=resource, author=member, body="Members-only words.")
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Members-only words." not in page
    assert client.post(comment_url(resource), {"body": "x"}).status_code == 302  # sign in


def private_resource_for(*users):
    group = Group.objects.create(name="Beta")
    group.user_set.add(*users)
    resource = ResourceFactory(private=True, title="Beta firmware notes")
    resource_access_grant(resource=resource, group=group)
    return resource, group


def test_comments_on_a_private_resource_are_closed_without_a_private_category(member):
    resource, _ = private_resource_for(member)
    page = client_for(member).get(resource.get_absolute_url()).content.decode()
    assert "Comments on this resource are closed" in page
    response = client_for(member).post(comment_url(resource), {"body": "Hello"})
    assert response.status_code == 403
    assert not Topic.objects.exists()


def test_a_private_resource_discusses_in_its_groups_category_and_outsiders_see_nothing(member):
    outsider = UserFactory()
    resource, group = private_resource_for(member)
    beta_category = CategoryFactory(private=True, name="Beta lounge")
    category_access_grant(category=beta_category, group=group)
    resource.discussion_category = beta_category
    resource.save()
    response = client_for(member).post(comment_url(resource), {"body": "Firmware 2 bricks it."})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.category == beta_category
    assert not visible_topics(outsider).filter(pk=topic.pk).exists()
    assert client_for(outsider).get(topic.get_absolute_url()).status_code == 404
    assert client_for(outsider).post(comment_url(resource), {"body": "x"}).status_code == 404


def test_a_category_wider_than_the_private_resource_is_never_used(member):
    resource, _ = private_resource_for(member)
    other_group = Group.objects.create(name="Other")
    wide = CategoryFactory(private=True)
    category_access_grant(category=wide, group=other_group)
    resource.discussion_category = wide
    resource.save()
    assert client_for(member).post(comment_url(resource), {"body": "x"}).status_code == 403
    public = CategoryFactory()
    resource.discussion_category = public
    resource.save()
    assert client_for(member).post(comment_url(resource), {"body": "x"}).status_code == 403
    assert not Post.objects.exists()


# --- Reactions ------------------------------------------------------------------------------


def react_url(resource):
    return reverse("library:resource-react", args=[resource.slug])


def test_a_reaction_toggles_and_a_double_submit_stores_one(member):
    resource = ResourceFactory()
    client = client_for(member)
    client.post(react_url(resource), {"reaction": "like:add"})
    client.post(react_url(resource), {"reaction": "like:add"})
    assert ResourceReaction.objects.filter(resource=resource, user=member).count() == 1
    page = client.get(resource.get_absolute_url()).content.decode()
    assert 'value="like:remove"' in page and 'aria-pressed="true"' in page
    client.post(react_url(resource), {"reaction": "like:remove"})
    assert not ResourceReaction.objects.exists()


def test_htmx_gets_the_bar_back(member):
    resource = ResourceFactory()
    response = client_for(member).post(
        react_url(resource), {"reaction": "heart:add"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="reactions" id="reactions">')
    assert 'value="heart:remove"' in html


def test_unknown_kinds_and_own_resources_are_refused(member):
    resource = ResourceFactory()
    response = client_for(member).post(react_url(resource), {"reaction": "poo:add"})
    assert response.status_code == 400
    own = ResourceFactory(owner=member)
    refused = client_for(member).post(react_url(own), {"reaction": "like:add"})
    assert refused.status_code == 403
    assert "your own resource" in refused.content.decode()
    assert not ResourceReaction.objects.exists()


def test_a_hidden_resource_cannot_be_reacted_to(member):
    resource = ResourceFactory(private=True)
    assert client_for(member).post(react_url(resource), {"reaction": "like:add"}).status_code == 404


# --- Shares ---------------------------------------------------------------------------------


def share_url(resource):
    return reverse("library:resource-share", args=[resource.slug])


def test_a_share_gives_a_link_and_counts_once_a_day_in_the_ledger(member):
    owner, credited = UserFactory(), UserFactory()
    resource = ResourceFactory(owner=owner)
    Credit.objects.create(resource=resource, member=credited, role=CreditRole.ANSWER_AUTHOR)
    client = client_for(member)
    response = client.post(share_url(resource))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    link = absolute_url(resource.get_absolute_url())
    assert f'id="share-link" class="library-share__link" value="{link}"' in page
    client.post(share_url(resource), headers={"HX-Request": "true"})
    assert Share.objects.filter(resource=resource, user=member).count() == 1
    resource.refresh_from_db()
    assert resource.share_count == 1
    acts = SupportAct.objects.filter(giver=member, kind=SupportKind.SHARE)
    assert sorted(acts.values_list("receiver_id", flat=True)) == sorted([owner.pk, credited.pk])


def test_sharing_again_the_next_day_counts_the_share_but_not_the_ledger(member, monkeypatch):
    resource = ResourceFactory(owner=UserFactory())
    assert resource_share(resource=resource, user=member)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda: tomorrow)
    assert resource_share(resource=resource, user=member)
    resource.refresh_from_db()
    assert resource.share_count == 2
    assert SupportAct.objects.filter(giver=member, kind=SupportKind.SHARE).count() == 1


# --- Query counts ---------------------------------------------------------------------------


def test_the_resource_page_is_bounded_with_many_comments_reactions_and_credits(
    member, django_assert_max_num_queries
):
    resource = ResourceFactory()
    people = UserFactory.create_batch(8)
    for person in people:
        comment_add(resource=resource, author=person, body=f"Comment by {person.username}")
        resource_reaction_add(resource=resource, user=person, kind="like")
        resource_reaction_add(resource=resource, user=person, kind="thanks")
        Credit.objects.create(resource=resource, member=person, role=CreditRole.CONTRIBUTOR)
    client = client_for(member)
    client.get(resource.get_absolute_url())
    # The user, the resource, versions, tags, topics, collections, the view count,
    # reactions, credits, the discussion topic and its latest comments.
    with django_assert_max_num_queries(11):
        response = client.get(resource.get_absolute_url())
    assert response.status_code == 200
    assert "Comment by" in response.content.decode()
