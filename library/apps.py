from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Content library"

    def ready(self) -> None:
        # The library's parts of pages other apps own: a member's profile and data export,
        # the home page's featured area, the forum's moderator controls; and its page views,
        # which ride on the forum's buffered view flush (no page view writes to the database).
        from forums.services.reading import counted_views_register
        from library import activity, data, featured, forum_actions  # noqa: F401
        from library.services import RESOURCE_VIEWS, resource_views_apply

        counted_views_register(RESOURCE_VIEWS, resource_views_apply)
