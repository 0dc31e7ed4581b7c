"""Links other apps add to a topic's moderator controls and under a post, for the category's
moderators (the library's "Promote to library"). Forums must not import those apps
(dependencies point the other way), so they register a provider from their
AppConfig.ready(), as members' profile sections do.

A provider returns links, never per-viewer content, and runs no query: a post's actions are
part of the post list shared by every moderator of the category (forums.page_cache.posts),
and whoever follows the link is checked again by the view it leads to."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from forums.models import Post, Topic


@dataclass(frozen=True)
class ModeratorAction:
    label: str
    url: str


TopicActionProvider = Callable[[Topic], Iterable[ModeratorAction]]
PostActionProvider = Callable[[Topic, Post], Iterable[ModeratorAction]]

TOPIC_ACTION_PROVIDERS: list[TopicActionProvider] = []
POST_ACTION_PROVIDERS: list[PostActionProvider] = []


def topic_action_provider(func: TopicActionProvider) -> TopicActionProvider:
    """Register a provider of links for the topic's moderator controls (idempotent)."""
    if func not in TOPIC_ACTION_PROVIDERS:
        TOPIC_ACTION_PROVIDERS.append(func)
    return func


def post_action_provider(func: PostActionProvider) -> PostActionProvider:
    """Register a provider of links under a post, shown to the category's moderators."""
    if func not in POST_ACTION_PROVIDERS:
        POST_ACTION_PROVIDERS.append(func)
    return func


def topic_actions_for(topic: Topic) -> list[ModeratorAction]:
    return [action for provider in TOPIC_ACTION_PROVIDERS for action in provider(topic)]


def post_actions_for(topic: Topic, post: Post) -> list[ModeratorAction]:
    return [action for provider in POST_ACTION_PROVIDERS for action in provider(topic, post)]
