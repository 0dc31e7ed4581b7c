"""A group's page links the categories opened to the group (members.group_sections): the
ones its auth group holds `view_category` on (category_access_grant), each listed only to a
viewer who may see it, so a non-member never learns a private category's name."""

from forums.models import CategoryGroupObjectPermission
from forums.permissions import VIEW_CATEGORY, visible_categories
from members.group_sections import GroupSection, group_section_provider
from members.models import GroupProfile

_APP_LABEL, _CODENAME = VIEW_CATEGORY.split(".")


@group_section_provider
def group_categories(group_profile: GroupProfile, viewer) -> list[GroupSection]:
    """One query (plus the viewer's cached reach); no section when the viewer sees none."""
    granted = CategoryGroupObjectPermission.objects.filter(
        group_id=group_profile.group_id,
        permission__codename=_CODENAME,
        permission__content_type__app_label=_APP_LABEL,
    ).values("content_object_id")
    categories = list(
        visible_categories(viewer)
        .filter(pk__in=granted)
        .only("id", "name", "slug", "description", "topic_count", "last_activity_at")
        .order_by("position", "name")
    )
    if not categories:
        return []
    return [
        GroupSection(
            title="Forum categories" if len(categories) > 1 else "Forum category",
            template="forums/_group_categories.html",
            items=categories,
        )
    ]
