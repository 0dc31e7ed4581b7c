from forums.services.categories import category_access_grant, category_access_revoke
from forums.services.moderation import post_hide, topic_lock_set, topic_pin_set
from forums.services.posts import post_create
from forums.services.topics import topic_create

__all__ = [
    "category_access_grant",
    "category_access_revoke",
    "post_create",
    "post_hide",
    "topic_create",
    "topic_lock_set",
    "topic_pin_set",
]
