from django.utils.functional import SimpleLazyObject

from metrics.permissions import dashboard_link_visible


def dashboard(request):
    """`show_dashboard_link` for the site navigation. Lazy: pages without the header (JSON,
    redirects) never read it."""
    return {
        "show_dashboard_link": SimpleLazyObject(
            lambda: dashboard_link_visible(getattr(request, "user", None))
        )
    }
