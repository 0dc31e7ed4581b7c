"""A member's forum activity on their profile (members.profile_activity): the topics they
started and their latest replies, each only where the viewer may see it."""

from forums.models import Post
from forums.page_cache.lists import list_version
from forums.permissions import reach_fingerprint, visible_topics
from members.models import User
from members.profile_activity import ActivitySection, activity_key, activity_provider

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


@activity_key
def forum_activity_key(viewer) -> str:
    """The sections depend on the categories the viewer sees and on the topics: services
    touch a topic's updated_at whenever it is hidden, moved or retitled, and a new topic or
    reply moves it too (one indexed MAX, as the shared lists read it)."""
    return f"{reach_fingerprint(viewer)}:{list_version()}"
