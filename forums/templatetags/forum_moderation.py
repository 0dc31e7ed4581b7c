"""The topic page's moderation controls need the categories a topic may move to; this tag
fetches them (one query, only for moderators, who are the only ones shown the controls)."""

from django import template

from forums.moderator_actions import post_actions_for, topic_actions_for
from forums.permissions import can_moderate_any_category, visible_categories

register = template.Library()


@register.simple_tag(takes_context=True)
def move_targets(context, topic):
    user = context["request"].user
    return list(
        visible_categories(user).exclude(pk=topic.category_id).only("pk", "name", "parent_id")
    )


@register.simple_tag
def topic_moderator_actions(topic):
    """Links other apps add to the moderator controls (forums.moderator_actions)."""
    return topic_actions_for(topic)


@register.simple_tag
def post_moderator_actions(topic, post):
    return post_actions_for(topic, post)


@register.simple_tag(takes_context=True)
def shows_moderation_queue(context) -> bool:
    """Whether the list navigation links to the moderation queue: for everyone who has one
    (a global grant or a category's). A page shared between members carries the answer for
    its kind of viewer (forums.page_cache.lists)."""
    if "moderation_queue" in context:
        return context["moderation_queue"]
    user = context.get("user")
    return bool(user is not None and user.is_authenticated and can_moderate_any_category(user))
