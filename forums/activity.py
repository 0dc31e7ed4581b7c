"""A member's forum activity on their profile (members.profile_activity): the topics they
started and their latest replies, each only where the viewer may see it."""

from forums.models import Post
from forums.permissions import visible_topics
from members.models import User
from members.profile_activity import ActivitySection, activity_provider

PROFILE_ITEMS = 5


@activity_provider
def forum_activity(member: User, viewer) -> list[ActivitySection]:
    """Two queries whatever the member has written. Hidden content is left out even for
    moderators: a profile is not a moderation tool."""
    topics = list(
        visible_topics(viewer)
        .filter(author=member, is_hidden=False)
        .select_related("category")
        .order_by("-created_at", "-pk")[:PROFILE_ITEMS]
    )
    replies = list(
        Post.objects.filter(
            author=member,
            is_opening=False,
            is_hidden=False,
            topic__in=visible_topics(viewer).filter(is_hidden=False),
        )
        .select_related("topic")
        .order_by("-created_at", "-pk")[:PROFILE_ITEMS]
    )
    return [
        ActivitySection(
            title="Topics started",
            template="forums/_profile_topics.html",
            items=topics,
            empty_text="No topics you can see yet.",
        ),
        ActivitySection(
            title="Latest replies",
            template="forums/_profile_replies.html",
            items=replies,
            empty_text="No replies you can see yet.",
        ),
    ]
