from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import redirect
from django.urls import reverse

from community.images import image_normalize
from community.models import BRANDING_ID, LOGO_MAX_BYTES, FooterLink, Notification, SiteBranding
from community.services import branding_cache_clear, branding_update

# The admin signs in through allauth: the same rate limits, e-mail log-in and two-factor
# step as the rest of the site, instead of Django's unthrottled admin form.
admin.site.login = secure_admin_login(admin.site.login)
# Password changes also go through allauth, which checks the password rules, logs out other
# sessions and e-mails the member about the change.
admin.site.password_change = lambda request, extra_context=None: redirect("account_change_password")


class SiteBrandingForm(forms.ModelForm):
    class Meta:
        model = SiteBranding
        fields = [
            "community_name",
            "tagline",
            "purpose",
            "welcome_text",
            "logo",
            "primary_color",
            "accent_color",
            "members_only",
            "directory_public",
            "approve_new_members",
            "time_zone",
        ]
        widgets = {
            "primary_color": forms.TextInput(attrs={"type": "color"}),
            "accent_color": forms.TextInput(attrs={"type": "color"}),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            return image_normalize(
                logo, max_bytes=LOGO_MAX_BYTES, max_size=(800, 400), name_prefix="logo"
            )
        return logo


class FooterLinkInline(admin.TabularInline):
    model = FooterLink
    fields = ["label", "url", "position"]
    extra = 1


@admin.register(SiteBranding)
class SiteBrandingAdmin(admin.ModelAdmin):
    form = SiteBrandingForm
    inlines = [FooterLinkInline]
    fieldsets = [
        (None, {"fields": ["community_name", "tagline", "purpose", "welcome_text"]}),
        ("Look", {"fields": ["logo", "primary_color", "accent_color"]}),
        ("Access", {"fields": ["members_only", "directory_public", "approve_new_members"]}),
        ("Time", {"fields": ["time_zone"]}),
    ]

    def has_add_permission(self, request):
        # Only to create the one row on a database whose data migration did not run.
        exists = SiteBranding.objects.filter(pk=BRANDING_ID).exists()
        return not exists and super().has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        """A list of one row is a detour: open the row itself."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's 403
        return redirect(_branding_url())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if str(object_id) == str(BRANDING_ID) and self.has_add_permission(request):
            return redirect("admin:community_sitebranding_add")  # no row yet: create it
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = BRANDING_ID
        branding_update(branding=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        branding_cache_clear()  # footer links are part of the cached snapshot


def _branding_url() -> str:
    if SiteBranding.objects.filter(pk=BRANDING_ID).exists():
        return reverse("admin:community_sitebranding_change", args=[BRANDING_ID])
    return reverse("admin:community_sitebranding_add")


def _branding_home_row(row: dict) -> None:
    # The home links straight to the one record; it is never added from there.
    row["admin_url"] = reverse("admin:community_sitebranding_change", args=[BRANDING_ID])
    row["add_url"] = None


admin.site.rewrite_home_row("community.SiteBranding", _branding_home_row)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: for answering "why did I (not) get notified?". Notifications are written
    by the services that own the events and read or cleared by their recipient."""

    list_display = ["recipient", "kind", "verb", "actor", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__username", "recipient__email"]
    list_select_related = ["recipient", "actor"]
    # Skip the admin's second COUNT of the whole (large, ever-growing) table on every page.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
