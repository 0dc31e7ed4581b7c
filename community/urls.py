from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from community import home, views
from forums.views import admin_gate, email_preferences
from members.views import approvals
from search import views as search_views

handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error

notification_patterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/open/", views.notification_open, name="open"),
    path("read/", views.notifications_read, name="read"),
    path("email/", email_preferences.email_preferences, name="email-preferences"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("brand.css", views.brand_css, name="brand-css"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg")),
    path("accounts/pending/", approvals.account_pending, name="account-pending"),
    # Under /accounts/: a members-only community lets visitors reach it (the token signs in
    # nobody; it only turns off one kind of mail).
    path(
        "accounts/unsubscribe/<str:token>/",
        email_preferences.email_unsubscribe_view,
        name="email-unsubscribe",
    ),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("groups/", include("members.group_urls")),
    # The forum search's addresses from before the site search: bookmarks and shared links
    # keep working, as topics-and-posts searches.
    path("forums/search/", search_views.forums_search_redirect),
    path(
        "forums/search/<int:query_id>/open/<int:topic_id>/",
        search_views.forums_open_redirect,
    ),
    path("forums/", include("forums.urls")),
    path("library/", include("library.urls")),
    path("polls/", include("polls.urls")),
    path("search/", include("search.urls")),
    path("answers/", include("metrics.feedback_urls")),
    path("dashboard/", include("metrics.urls")),
    path("reports/", include("plans.urls")),
    path("notifications/", include((notification_patterns, "notifications"))),
    # In front of the admin's own login: signed-in people who are not staff get a page that
    # says where they can act, not a 403 with a traceback (forums.views.admin_gate).
    path("admin/login/", admin_gate.admin_login),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
