"""The admin's sign-in page for people who are signed in but are not staff.

The admin is the community managers' tool. A member or a volunteer moderator who opens
/admin/ is sent to its sign-in page, where allauth's secure_admin_login would raise
PermissionDenied: a bare 403 and a logged traceback for an ordinary click. Routed in front
of the admin's own login URL (community/urls.py), this answers them with a page that says
what the admin is for and where they can act instead; everyone else gets the admin's login
as before."""

from django.contrib import admin
from django.urls import reverse

from community.views import error_page
from forums.permissions import moderated_categories


def admin_login(request, extra_context=None):
    user = request.user
    if user.is_authenticated and not (user.is_active and user.is_staff):
        moderates = moderated_categories(user).exists()
        return error_page(
            request,
            "admin_refused.html",
            status=403,
            moderation_url=reverse("forums:moderation-queue") if moderates else "",
            forums_url=reverse("forums:category-list"),
        )
    return admin.site.login(request, extra_context)
