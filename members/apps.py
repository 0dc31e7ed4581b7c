from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        # Access versions replaced for writes that bypass the services (members.access).
        from members import signals  # noqa: F401
