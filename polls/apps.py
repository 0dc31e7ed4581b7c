from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = "Polls"

    def ready(self) -> None:
        # Forums must not import polls: the poll box on topic pages and the member's votes in
        # their data export are registered with forums' and members' registries from here.
        from forums.topic_boxes import topic_box_register
        from polls import data  # noqa: F401
        from polls.topic_box import POLL_BOX

        topic_box_register(POLL_BOX)
