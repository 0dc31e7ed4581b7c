from polls.models import Poll, PollKind
from polls.services import poll_create
from tests.forums.factories import TopicFactory


def make_poll(
    *,
    topic=None,
    options=("Red", "Green", "Blue"),
    kind=PollKind.SINGLE,
    question="Which one?",
    **kwargs,
) -> Poll:
    """A poll made the way members make one: through poll_create, by the topic's author."""
    topic = topic or TopicFactory()
    return poll_create(
        topic=topic,
        author=topic.author,
        question=question,
        options=options,
        kind=kind,
        **kwargs,
    )
