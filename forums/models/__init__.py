from forums.models.category import (
    Category,
    CategoryAccess,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
)
from forums.models.post import POST_BODY_MAX_LENGTH, Post
from forums.models.topic import TOPIC_TITLE_MAX_LENGTH, Topic

__all__ = [
    "POST_BODY_MAX_LENGTH",
    "TOPIC_TITLE_MAX_LENGTH",
    "Category",
    "CategoryAccess",
    "CategoryGroupObjectPermission",
    "CategoryUserObjectPermission",
    "Post",
    "Topic",
]
