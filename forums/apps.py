from django.apps import AppConfig


class ForumsConfig(AppConfig):
    """Where members share: categories, topics, posts, polls and the content library."""

    name = "forums"
    verbose_name = "Forums"

    def ready(self) -> None:
        # Registers the forums' data exporter and eraser with members' data services, and
        # the forum sections of a member's profile, and a group page's categories.
        # Signals back up the access versions for categories saved outside the services.
        from forums import activity, data, group_categories, signals  # noqa: F401

        # The search log is written by the views flush, searches before the clicks on them.
        from forums.services.reading import logged_events_register
        from forums.services.search import (
            CLICK_EVENT,
            SEARCH_EVENT,
            search_clicks_write,
            searches_write,
        )

        logged_events_register(SEARCH_EVENT, searches_write)
        logged_events_register(CLICK_EVENT, search_clicks_write)

        # A member's pages read their reach and, on topic lists, their read version.
        from community.per_request import member_prefetch_register
        from forums.permissions import member_reach_key
        from forums.services.reading import read_version_key
        from forums.services.watching import watch_version_key

        member_prefetch_register(lambda user_id: [member_reach_key(user_id)])
        member_prefetch_register(lambda user_id: [read_version_key(user_id)])
        member_prefetch_register(lambda user_id: [watch_version_key(user_id)])
