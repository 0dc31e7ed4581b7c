"""Forums in the admin. Categories carry guardian's "Object permissions" page, where a
community manager opens a private category to a group (view_category) or appoints a
volunteer moderator (moderate_category). Topics and posts are written in the browser; here
they are browsed, and every action goes through forums.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from guardian.admin import GuardedModelAdmin

from forums.models import Category, Post, Topic
from forums.services import post_hide, topic_lock_set, topic_pin_set


@admin.register(Category)
class CategoryAdmin(GuardedModelAdmin):
    list_display = ["name", "slug", "parent", "access", "is_qa", "position", "topic_count"]
    list_filter = ["access", "is_qa"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["topic_count", "post_count", "last_activity_at"]
    ordering = ["position", "name"]


def _each(modeladmin, request, objects, action, done: str) -> None:
    changed = 0
    for obj in objects:
        try:
            action(obj)
        except PermissionDenied as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, f"{changed} {done}.", messages.SUCCESS)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "author_name",
        "is_pinned",
        "is_locked",
        "is_hidden",
        "reply_count",
        "last_post_at",
    ]
    list_filter = ["category", "is_pinned", "is_locked", "is_hidden"]
    search_fields = ["title", "author_name"]
    list_select_related = ["category"]
    fields = ["category", "title", "slug", "author", "author_name", "accepted_answer"]
    readonly_fields = fields
    actions = ["lock", "unlock", "pin", "unpin"]

    def has_add_permission(self, request):
        return False  # topics start in the browser, through topic_create

    @admin.action(description="Lock selected topics", permissions=["change"])
    def lock(self, request, queryset):
        _each(
            self,
            request,
            queryset.select_related("category"),
            lambda t: topic_lock_set(topic=t, actor=request.user, locked=True),
            "locked",
        )

    @admin.action(description="Unlock selected topics", permissions=["change"])
    def unlock(self, request, queryset):
        _each(
            self,
            request,
            queryset.select_related("category"),
            lambda t: topic_lock_set(topic=t, actor=request.user, locked=False),
            "unlocked",
        )

    @admin.action(description="Pin selected topics", permissions=["change"])
    def pin(self, request, queryset):
        _each(
            self,
            request,
            queryset.select_related("category"),
            lambda t: topic_pin_set(topic=t, actor=request.user, pinned=True),
            "pinned",
        )

    @admin.action(description="Unpin selected topics", permissions=["change"])
    def unpin(self, request, queryset):
        _each(
            self,
            request,
            queryset.select_related("category"),
            lambda t: topic_pin_set(topic=t, actor=request.user, pinned=False),
            "unpinned",
        )


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "topic", "author_name", "is_opening", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "is_opening", "topic__category"]
    search_fields = ["body", "author_name", "topic__title"]
    list_select_related = ["topic"]
    fields = ["topic", "author", "author_name", "body", "is_hidden", "hidden_reason", "edited_at"]
    readonly_fields = fields
    actions = ["hide"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Hide selected posts", permissions=["change"])
    def hide(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda p: post_hide(post=p, actor=request.user, reason="Hidden from the admin."),
            "hidden",
        )
