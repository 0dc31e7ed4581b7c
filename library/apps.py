from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Content library"

    def ready(self) -> None:
        # The library's parts of pages other apps own: a member's profile and data export,
        # the home page's featured area, the forum's moderator controls.
        from library import activity, data, featured, forum_actions  # noqa: F401
