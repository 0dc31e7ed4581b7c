from importlib import import_module

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """KPIs against business goals, the executive dashboard and 90-day plan reports."""

    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from metrics.kpis import KPI_MODULES

        for module in KPI_MODULES:
            import_module(module)
        # Forums and the library may not import metrics: "Did this answer your question?"
        # reaches their pages through their registries.
        from forums.topic_boxes import TopicBox, topic_box_register
        from library.page_extras import resource_extra_register
        from metrics import data  # noqa: F401 - the member's answers in export and erase
        from metrics.feedback import prompt_refusal
        from metrics.feedback_views import resource_prompt_html, topic_prompt_html

        topic_box_register(
            TopicBox(
                name="answer-prompt",
                present=lambda topic: prompt_refusal(topic) is None,
                render=topic_prompt_html,
            )
        )
        resource_extra_register(resource_prompt_html)

        from community.per_request import member_prefetch_register
        from members.landing import login_landing_register
        from metrics.permissions import dashboard_landing, dashboard_link_key

        login_landing_register(dashboard_landing)
        # Every page's header asks whether to show the Dashboard link.
        member_prefetch_register(lambda user_id: [dashboard_link_key(user_id)])
