"""Community managers make and change resources and collections here. Every save goes
through library.services, and uploads are checked by the same validation as the service
(library.uploads), so a refused file is a form error on the page, never a stored file.
Private access is given to groups on each object's "Object permissions" page, as for
categories (guardian); every grant replaces the community's access version."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from guardian.admin import GuardedModelAdmin

from community.images import image_normalize
from library.models import Collection, CollectionItem, FileVersion, Resource, ResourceKind
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
        ]

    def clean_new_file(self):
        upload = self.cleaned_data.get("new_file")
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
    inlines = [FileVersionInline]
    fieldsets = [
        (None, {"fields": ["kind", "title", "slug", "summary", "access", "is_featured"]}),
        ("Content", {"fields": ["body", "url", "new_file", "new_cover"]}),
        ("Links", {"fields": ["tags", "source_topics"]}),
        (
            "Counts",
            {"fields": ["owner", "view_count", "download_count", "created_at", "updated_at"]},
        ),
    ]

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
        # Tags and source topics were set by the service; the versions inline is read-only.
        for formset in formsets:
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
