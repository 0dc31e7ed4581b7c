from forums.models.activity import Bookmark, Draft, TopicRead, TopicViewDay, Watch, WatchLevel
from forums.models.category import (
    Category,
    CategoryAccess,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
)
from forums.models.moderation import (
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationEvent,
)
from forums.models.post import (
    POST_BODY_MAX_LENGTH,
    Post,
    PostImage,
    PostMention,
    PostRevision,
    Reaction,
    ReactionKind,
)
from forums.models.search import SearchQuery
from forums.models.tag import Tag
from forums.models.topic import TOPIC_TITLE_MAX_LENGTH, Topic

__all__ = [
    "POST_BODY_MAX_LENGTH",
    "TOPIC_TITLE_MAX_LENGTH",
    "Bookmark",
    "Category",
    "CategoryAccess",
    "CategoryGroupObjectPermission",
    "CategoryUserObjectPermission",
    "Draft",
    "Flag",
    "FlagReason",
    "FlagStatus",
    "ModerationAction",
    "ModerationEvent",
    "Post",
    "PostImage",
    "PostMention",
    "PostRevision",
    "Reaction",
    "ReactionKind",
    "SearchQuery",
    "Tag",
    "Topic",
    "TopicRead",
    "TopicViewDay",
    "Watch",
    "WatchLevel",
]
