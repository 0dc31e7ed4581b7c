from django.apps import AppConfig


class ForumsConfig(AppConfig):
    """Where members share: categories, topics, posts, polls and the content library."""

    name = "forums"
    verbose_name = "Forums"
