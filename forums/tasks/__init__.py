"""Celery finds forums.tasks; each module holds one area's tasks."""

from forums.tasks import bookmarks, email, reading, uploads

__all__ = ["bookmarks", "email", "reading", "uploads"]
