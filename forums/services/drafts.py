"""Drafts saved as the member types (owned by the composer work)."""

from forums.models import Category, Topic
from members.models import User


def draft_discard(*, user: User, category: Category | None = None, topic: Topic | None = None):
    """Forget the member's draft for a new topic in `category` or a reply to `topic`."""
