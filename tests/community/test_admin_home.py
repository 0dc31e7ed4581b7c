import pytest
from django.contrib import admin
from django.urls import reverse
from guardian.shortcuts import assign_perm

from community.admin_site import OTHER_SECTION, section_for
from community.models import BRANDING_ID, SiteBranding
from forums.models import FlagReason
from forums.services.flags import flag_create
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"
QUEUE_LABEL = "forums.moderation_queue"
# Rows that link to a queue, not to a model's pages.
HOME_ENTRY_LABELS = {QUEUE_LABEL, "library.curation_queue"}


def _home(client, user):
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def _sections(response) -> dict[str, list[str]]:
    return {
        section["name"]: [row["label"] for row in section["models"]]
        for section in response.context["app_list"]
    }


def _row(response, label: str) -> dict:
    rows = [
        row for s in response.context["app_list"] for row in s["models"] if row["label"] == label
    ]
    assert len(rows) == 1, label
    return rows[0]


@pytest.fixture
def manager():
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS])


def test_every_registered_model_is_placed_in_a_named_section():
    unplaced = [
        model._meta.label
        for model in admin.site._registry
        if section_for(model._meta.label) is OTHER_SECTION
    ]
    assert unplaced == []


def test_superuser_home_lists_every_registered_model_exactly_once(client):
    response = _home(client, UserFactory(is_superuser=True, is_staff=True))
    labels = [label for rows in _sections(response).values() for label in rows]
    registered = {model._meta.label for model in admin.site._registry}
    assert sorted(label for label in labels if label not in HOME_ENTRY_LABELS) == sorted(registered)
    assert labels.count(QUEUE_LABEL) == 1


def test_superuser_home_sections_come_in_the_managers_order(client):
    response = _home(client, UserFactory(is_superuser=True, is_staff=True))
    sections = _sections(response)
    assert list(sections) == [
        "Community",
        "Members and groups",
        "Forums and moderation",
        "Content library",
        "Polls",
        "Metrics and plans",
        "System",
    ]
    assert sections["Community"][0] == "community.SiteBranding"
    assert sections["Members and groups"][:2] == ["members.User", "members.MemberApplication"]
    assert sections["Forums and moderation"][:4] == [
        QUEUE_LABEL,
        "forums.Category",
        "forums.Topic",
        "forums.Post",
    ]
    system = sections["System"]
    for label in [
        "django_celery_beat.PeriodicTask",
        "django_celery_beat.CrontabSchedule",
        "django_celery_beat.IntervalSchedule",
        "django_celery_beat.ClockedSchedule",
        "django_celery_beat.SolarSchedule",
        "account.EmailAddress",
        "mfa.Authenticator",
    ]:
        assert label in system
    content = response.content.decode()
    assert 'id="section-system"' in content


def test_community_manager_home_shows_only_what_the_role_may_view(client, manager):
    response = _home(client, manager)
    sections = _sections(response)
    assert list(sections) == [
        "Community",
        "Members and groups",
        "Forums and moderation",
        "Content library",
        "Polls",
        "Metrics and plans",
        "System",
    ]
    assert sections["Community"] == ["community.SiteBranding"]  # notifications: no permission
    assert sections["Metrics and plans"] == [
        "plans.PlanReport",
        "metrics.KpiTarget",
        "plans.PlanSettings",
        "metrics.MetricsSettings",
        "metrics.ApiToken",
    ]
    assert "auth.Group" in sections["Members and groups"]
    assert "forums.Post" in sections["Forums and moderation"]
    assert sections["System"] == [
        "django_celery_beat.PeriodicTask",
        "django_celery_beat.CrontabSchedule",
        "django_celery_beat.IntervalSchedule",
        "account.EmailAddress",
    ]


def test_the_sidebar_on_other_admin_pages_uses_the_same_sections(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:forums_topic_changelist"))
    names = [section["name"] for section in response.context["available_apps"]]
    assert names == [
        "Community",
        "Members and groups",
        "Forums and moderation",
        "Content library",
        "Polls",
        "Metrics and plans",
        "System",
    ]
    # The per-app page keeps Django's grouping.
    response = client.get(reverse("admin:app_list", args=["forums"]))
    assert [app["app_label"] for app in response.context["app_list"]] == ["forums"]


def test_staff_moderator_sees_only_what_the_role_may(client):
    # Moderators are not staff; someone made staff by hand still gets only the role's models.
    moderator = UserFactory(roles=[roles.MODERATORS])
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    response = _home(client, moderator)
    sections = _sections(response)
    assert sections == {
        "Members and groups": ["members.User"],
        "Forums and moderation": [QUEUE_LABEL],
    }
    # No admin post list for this role: the queue row opens the browser queue.
    assert _row(response, QUEUE_LABEL)["admin_url"] == reverse("forums:moderation-queue")


def test_branding_row_links_straight_to_the_one_record(client, manager):
    response = _home(client, manager)
    row = _row(response, "community.SiteBranding")
    change_url = reverse("admin:community_sitebranding_change", args=[BRANDING_ID])
    assert row["admin_url"] == change_url
    assert row["add_url"] is None
    assert change_url in response.content.decode()


def test_branding_changelist_redirects_to_the_one_record(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:community_sitebranding_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:community_sitebranding_change", args=[BRANDING_ID]
    )
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("admin:community_sitebranding_add")).status_code == 403
    delete = reverse("admin:community_sitebranding_delete", args=[BRANDING_ID])
    assert client.get(delete).status_code == 403


def test_branding_changelist_stays_closed_to_staff_without_the_permission(client):
    moderator = UserFactory(roles=[roles.MODERATORS])
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    client.force_login(moderator)
    assert client.get(reverse("admin:community_sitebranding_changelist")).status_code == 403


def test_without_the_row_the_branding_pages_lead_to_creating_it(client):
    SiteBranding.objects.filter(pk=BRANDING_ID).delete()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:community_sitebranding_changelist"))
    assert response["Location"] == reverse("admin:community_sitebranding_add")
    response = client.get(reverse("admin:community_sitebranding_change", args=[BRANDING_ID]))
    assert response["Location"] == reverse("admin:community_sitebranding_add")


def _flag(post, *, times: int = 1) -> None:
    for _ in range(times):
        flag_create(
            post=post,
            flagger=UserFactory(trust_level=TrustLevel.BASIC),
            reason=FlagReason.SPAM,
        )


@pytest.fixture
def flagged_posts():
    """Two posts waiting in Help (one with two flags), one in Sales, one unflagged."""
    help_, sales = CategoryFactory(name="Help"), CategoryFactory(name="Sales")
    help_topic = topic_create(category=help_, author=UserFactory(), title="Help me", body="Hi")
    sales_topic = topic_create(category=sales, author=UserFactory(), title="Prices", body="Hi")
    _flag(post_create(topic=help_topic, author=UserFactory(), body="Spam one"), times=2)
    _flag(post_create(topic=help_topic, author=UserFactory(), body="Spam two"))
    _flag(post_create(topic=sales_topic, author=UserFactory(), body="Spam three"))
    post_create(topic=sales_topic, author=UserFactory(), body="Fine")
    return help_, sales


def test_moderation_queue_row_counts_posts_waiting_and_opens_the_admin_queue(
    client, manager, flagged_posts
):
    response = _home(client, manager)
    row = _row(response, QUEUE_LABEL)
    assert row["count"] == 3
    assert row["name"] == "Moderation queue: 3 posts waiting"
    assert row["admin_url"] == reverse("admin:forums_post_changelist") + "?review=queue"
    content = response.content.decode()
    assert "Moderation queue: 3 posts waiting" in content
    # The list it opens has those same three posts.
    queue = client.get(row["admin_url"])
    assert queue.context["cl"].result_count == 3


def test_moderation_queue_count_for_a_volunteer_covers_their_categories(client, flagged_posts):
    help_, _sales = flagged_posts
    volunteer = UserFactory()
    volunteer.is_staff = True
    volunteer.save(update_fields=["is_staff"])
    assign_perm("forums.moderate_category", volunteer, help_)
    row = _row(_home(client, volunteer), QUEUE_LABEL)
    assert row["count"] == 2
    assert row["admin_url"] == reverse("forums:moderation-queue")


def test_moderation_queue_row_is_hidden_from_staff_who_moderate_nothing(client):
    staff = UserFactory()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    response = _home(client, staff)
    assert response.context["app_list"] == []


def test_sidebar_queue_row_costs_no_count_query(client, manager, flagged_posts):
    client.force_login(manager)
    response = client.get(reverse("admin:forums_topic_changelist"))
    forums = next(
        s for s in response.context["available_apps"] if s["app_label"].endswith("forums")
    )
    assert forums["models"][0]["name"] == "Moderation queue"
    assert forums["models"][0]["count"] is None
