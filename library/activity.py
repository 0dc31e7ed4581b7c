"""A member's profile shows the library resources that credit them ("In the library",
members.profile_activity), only those the viewer may see: a private promoted article never
shows on its author's profile to someone outside its groups."""

from library.selectors import resources_credited_to
from members.models import User
from members.profile_activity import ActivitySection, activity_provider


@activity_provider
def library_credits(member: User, viewer) -> list[ActivitySection]:
    """One query; no section when the viewer sees none of them."""
    resources = resources_credited_to(member=member, viewer=viewer)
    if not resources:
        return []
    return [
        ActivitySection(
            title="In the library", template="library/_profile_resources.html", items=resources
        )
    ]
