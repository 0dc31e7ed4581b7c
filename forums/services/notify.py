"""Who hears about a new post, in the app and by e-mail (owned by the notifications work)."""

from django.db import transaction

from community.notifications import notification_create
from forums.models import Post


def post_created(post: Post, *, page: int) -> None:
    """Called by forums.services.posts/topics inside the posting transaction, after the post
    and its counters are saved. `page` is the topic page the post is on."""
    topic = post.topic
    recipient = topic.author
    author = post.author
    if post.is_opening or recipient is None or author is None or recipient.pk == author.pk:
        return
    url = f"{topic.get_absolute_url()}?page={page}#post-{post.pk}"
    transaction.on_commit(
        lambda: notification_create(
            recipient=recipient,
            actor=author,
            kind="forum_reply",
            verb=f"{author.public_name} replied to “{topic.title}”",
            url=url,
        ),
        # The reply is saved by then: a failed notice is logged, not a 500 that invites the
        # member to post it twice.
        robust=True,
    )
