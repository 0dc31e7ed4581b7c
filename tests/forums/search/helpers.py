from datetime import timedelta

from django.utils import timezone

from forums.models import Post, Topic
from forums.selectors.search import SearchCriteria, topic_search
from tests.forums.factories import PostFactory, TopicFactory


def found(viewer, text: str, page=1, **filters) -> list[int]:
    """Topic ids found, best first."""
    results = topic_search(viewer=viewer, criteria=SearchCriteria(text=text, **filters), page=page)
    return [hit.topic.pk for hit in results.hits]


def hits(viewer, text: str, **filters):
    return topic_search(viewer=viewer, criteria=SearchCriteria(text=text, **filters), page=1).hits


def topic_with(*, title: str = "An unrelated title", body: str = "Nothing to see.", **kwargs):
    return TopicFactory(title=title, opening_post__body=body, **kwargs)


def reply(topic: Topic, body: str, **kwargs) -> Post:
    return PostFactory(topic=topic, body=body, **kwargs)


def written_days_ago(days: int, *objects) -> None:
    """Move posts (and topics) back in time: created_at is set on insert."""
    when = timezone.now() - timedelta(days=days)
    for obj in objects:
        type(obj).objects.filter(pk=obj.pk).update(created_at=when)
