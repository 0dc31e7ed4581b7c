"""Community managers make and change resources and collections here. Every save goes
through library.services, and uploads are checked by the same validation as the service
(library.uploads), so a refused file is a form error on the page, never a stored file.
Private access is given to groups on each object's "Object permissions" page, as for
categories (guardian); every grant replaces the community's access version."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.urls import reverse
from guardian.admin import GuardedModelAdmin

from community.exceptions import ApplicationError
from community.images import image_normalize
from library.models import (
    Collection,
    CollectionItem,
    Credit,
    FileVersion,
    Resource,
    ResourceKind,
    Suggestion,
    SuggestionStatus,
)
from library.services import (
    COLLECTION_FIELDS,
    COVER_MAX_BYTES,
    COVER_MAX_SIZE,
    RESOURCE_FIELDS,
    collection_create,
    collection_resources_set,
    collection_update,
    resource_create,
    resource_kind_check,
    resource_update,
)
from library.suggestions import pending_suggestion_count, suggestion_accept, suggestion_decline
from library.uploads import ACCEPTED, FILE_MAX_BYTES, file_sniff


class ResourceAdminForm(forms.ModelForm):
    new_file = forms.FileField(
        required=False,
        label="Upload a file",
        help_text=f"File resources: {ACCEPTED}, at most {FILE_MAX_BYTES // (1024 * 1024)} MB. "
        "Uploading again adds a new version; the earlier ones are kept.",
    )
    new_cover = forms.FileField(
        required=False,
        label="Cover image",
        help_text="Optional: PNG, JPEG, GIF or WebP, replaces the current cover.",
    )

    url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Link",
        help_text="Link resources: the address, http or https.",
    )

    class Meta:
        model = Resource
        fields = [
            "kind",
            "title",
            "slug",
            "summary",
            "body",
            "url",
            "access",
            "is_featured",
            "tags",
            "source_topics",
            "discussion_category",
        ]

    # What library.uploads.UploadLimitHandler refused while the request was read.
    upload_refusals: dict[str, str] = {}

    def clean_new_file(self):
        upload = self.cleaned_data.get("new_file")
        if "new_file" in self.upload_refusals:
            raise ValidationError(self.upload_refusals["new_file"], code="file_too_large")
        if upload:
            file_sniff(upload, max_bytes=FILE_MAX_BYTES)
        return upload

    def clean_new_cover(self):
        cover = self.cleaned_data.get("new_cover")
        if cover:
            image_normalize(
                cover, max_bytes=COVER_MAX_BYTES, max_size=COVER_MAX_SIZE, name_prefix="cover"
            )
            cover.seek(0)
        return cover

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("new_file")) or (
            self.instance.pk is not None and self.instance.versions.exists()
        )
        if cleaned.get("new_file") and cleaned.get("kind") != ResourceKind.FILE:
            self.add_error("new_file", "Only file resources take a file: set the kind to File.")
        probe = Resource(
            kind=cleaned.get("kind") or "",
            url=cleaned.get("url") or "",
            body=cleaned.get("body") or "",
        )
        try:
            resource_kind_check(probe, has_file=has_file)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class FileVersionInline(admin.TabularInline):
    model = FileVersion
    # Not the file field itself: library files have no URL to link to (library.storage).
    fields = ["number", "original_name", "size", "content_type", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


def _nothing_saved(formset) -> None:
    # What the admin's change message reads after a formset's save().
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def _adopt(obj, saved) -> None:
    """Make the admin's instance the row the service saved (the admin logs and redirects
    with it)."""
    state = obj._state
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    state.adding = False
    state.db = saved._state.db


class CreditInline(admin.TabularInline):
    model = Credit
    fields = ["member", "role"]
    autocomplete_fields = ["member"]
    extra = 0


@admin.register(Resource)
class ResourceAdmin(GuardedModelAdmin):
    form = ResourceAdminForm
    list_display = [
        "title",
        "kind",
        "access",
        "is_featured",
        "owner",
        "view_count",
        "download_count",
        "updated_at",
    ]
    list_filter = ["kind", "access", "is_featured", "tags"]
    list_select_related = ["owner"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["source_topics"]
    filter_horizontal = ["tags"]
    readonly_fields = ["owner", "view_count", "download_count", "created_at", "updated_at"]
    inlines = [CreditInline, FileVersionInline]
    fieldsets = [
        (None, {"fields": ["kind", "title", "slug", "summary", "access", "is_featured"]}),
        ("Content", {"fields": ["body", "url", "new_file", "new_cover"]}),
        ("Links", {"fields": ["tags", "source_topics", "discussion_category"]}),
        (
            "Counts",
            {"fields": ["owner", "view_count", "download_count", "created_at", "updated_at"]},
        ),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusals = getattr(request, "upload_refusals", {})
        return type(form.__name__, (form,), {"upload_refusals": refusals})

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: getattr(obj, name) for name in RESOURCE_FIELDS}
        extra = {
            "tags": data.get("tags") or [],
            "source_topics": data.get("source_topics") or [],
            "cover": data.get("new_cover") or None,
            "upload": data.get("new_file") or None,
        }
        if change:
            resource_update(actor=request.user, resource=obj, **fields, **extra)
        else:
            _adopt(obj, resource_create(actor=request.user, **fields, **extra))

    def save_related(self, request, form, formsets, change):
        # Tags and source topics were set by the service; the versions inline is read-only;
        # credits are plain rows the manager edits.
        for formset in formsets:
            if formset.model is Credit:
                formset.save()
            else:
                _nothing_saved(formset)


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ["resource", "position"]
    autocomplete_fields = ["resource"]
    extra = 1


@admin.register(Collection)
class CollectionAdmin(GuardedModelAdmin):
    list_display = ["title", "access", "is_featured", "updated_at"]
    list_filter = ["access", "is_featured"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "summary", "access", "is_featured"]
    inlines = [CollectionItemInline]

    def save_model(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in COLLECTION_FIELDS}
        if change:
            collection_update(actor=request.user, collection=obj, **fields)
        else:
            _adopt(obj, collection_create(actor=request.user, **fields))

    def save_formset(self, request, form, formset, change):
        if formset.model is not CollectionItem:
            return super().save_formset(request, form, formset, change)
        kept = [
            (item_form.cleaned_data["position"], index, item_form.cleaned_data["resource"])
            for index, item_form in enumerate(formset.forms)
            if item_form.cleaned_data
            and item_form.cleaned_data.get("resource")
            and not item_form.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda row: (row[0], row[1]))
        _nothing_saved(formset)
        collection_resources_set(
            actor=request.user,
            collection=form.instance,
            resources=[resource for _, _, resource in kept],
        )


class SuggestionAdminForm(forms.ModelForm):
    decision = forms.ChoiceField(
        choices=[("", "Keep waiting"), ("accept", "Accept"), ("decline", "Decline")],
        required=False,
        help_text="Accepting makes a private draft resource credited to the member; declining "
        "needs a reason, which the member reads.",
    )

    class Meta:
        model = Suggestion
        fields = ["decline_reason"]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision and self.instance.status != SuggestionStatus.PENDING:
            raise ValidationError(
                f"This suggestion was already {self.instance.get_status_display()}."
            )
        if decision == "decline" and not (cleaned.get("decline_reason") or "").strip():
            self.add_error("decline_reason", "Say why, so the member understands.")
        return cleaned


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    """The curation queue: pending suggestions first; a decision goes through
    library.suggestions, which notifies the member."""

    form = SuggestionAdminForm
    list_display = ["title", "suggested_by", "status", "collection", "created_at"]
    list_filter = ["status"]
    list_select_related = ["suggested_by", "collection"]
    search_fields = ["title", "url", "description"]
    ordering = ["-created_at"]
    readonly_fields = [
        "title",
        "url",
        "description",
        "reason",
        "collection",
        "suggested_by",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
        "resource",
    ]
    fields = [*readonly_fields, "decision", "decline_reason"]
    actions = ["accept_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Pending first, whatever the sort the manager picked after it.
        queryset = super().get_queryset(request)
        pending_first = Case(When(status=SuggestionStatus.PENDING, then=Value(0)), default=Value(1))
        return queryset.annotate(pending_first=pending_first).order_by(
            "pending_first", "-created_at"
        )

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if decision == "accept":
            resource = suggestion_accept(actor=request.user, suggestion=obj)
            self.message_user(
                request, f"Accepted: “{resource.title}” is a private draft in the library."
            )
        elif decision == "decline":
            suggestion_decline(
                actor=request.user, suggestion=obj, reason=form.cleaned_data["decline_reason"]
            )
        obj.refresh_from_db()

    @admin.action(description="Accept the selected suggestions", permissions=["change"])
    def accept_selected(self, request, queryset):
        accepted = 0
        for suggestion in queryset.filter(status=SuggestionStatus.PENDING):
            try:
                suggestion_accept(actor=request.user, suggestion=suggestion)
            except ApplicationError as exc:
                self.message_user(request, exc.message, level=messages.WARNING)
            else:
                accepted += 1
        self.message_user(request, f"Accepted {accepted} suggestion{'s' if accepted != 1 else ''}.")


def _curation_queue_row(request, with_counts: bool) -> dict | None:
    """The "Content library" section's first row: the suggestions waiting, counted."""
    if not request.user.has_perm("library.change_suggestion"):
        return None
    name, count = "Suggestions to curate", None
    if with_counts:
        count = pending_suggestion_count()
        name = f"{name}: {count} waiting" if count else f"{name}: nothing waiting"
    return {
        "name": name,
        "object_name": "CurationQueue",
        "label": "library.curation_queue",
        "model": None,
        "perms": {"view": True},
        "admin_url": reverse("admin:library_suggestion_changelist") + "?status__exact=pending",
        "add_url": None,
        "view_only": True,
        "count": count,
    }


admin.site.add_home_entry("library", _curation_queue_row)
