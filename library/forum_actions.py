"""The forum's moderator controls offer "Promote to library" (forums.moderator_actions): on
the topic, and under its accepted answer. Links only; the promote view checks again that
the person moderates the topic's category."""

from django.urls import reverse

from forums.moderator_actions import ModeratorAction, post_action_provider, topic_action_provider


@topic_action_provider
def promote_topic(topic) -> list[ModeratorAction]:
    return [ModeratorAction("Promote to library", reverse("library:promote", args=[topic.pk]))]


@post_action_provider
def promote_answer(topic, post) -> list[ModeratorAction]:
    if post.pk != topic.accepted_answer_id:
        return []
    url = reverse("library:promote", args=[topic.pk]) + f"?post={post.pk}"
    return [ModeratorAction("Promote answer to library", url)]
