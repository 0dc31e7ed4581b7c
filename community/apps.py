from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        # The header's notification bell, on every page a member opens.
        from community.notifications import unread_count_cache_key
        from community.per_request import member_prefetch_register

        member_prefetch_register(lambda user_id: [unread_count_cache_key(user_id)])
