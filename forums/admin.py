"""Forums in the admin. Categories carry guardian's "Object permissions" page, where a
community manager opens a private category to a group (view_category) or appoints a
volunteer moderator (moderate_category). Topics and posts are written in the browser; here
they are browsed and moderated, and every action goes through forums.services (which check
the permission and write the moderation log).

The moderation queue is the post list filtered to "Needs review" (Posts → Review status),
linked from the top of the post list: flagged posts and those flags hid, with their
context and flags. docs/moderation.md is the manager's guide."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from guardian.admin import GuardedModelAdmin

from community.markdown import html_to_text
from forums.models import (
    Category,
    Flag,
    FlagStatus,
    ModerationEvent,
    Post,
    SearchQuery,
    Tag,
    Topic,
)
from forums.moderation_forms import MergeForm, SuspendForm
from forums.permissions import (
    can_moderate_any_category,
    moderates_every_category,
    visible_categories,
    visible_topics,
)
from forums.selectors.moderation import queue_post_count
from forums.services.categories import category_delete, category_save
from forums.services.moderation import (
    flags_dismiss,
    member_suspend,
    post_hide,
    post_restore,
    topic_lock_set,
    topic_merge,
    topic_move,
    topic_pin_set,
)

TOPIC_TITLE_CHARS = 48


def _cut(text: str, chars: int) -> str:
    """`text` cut to `chars` characters, the whole text in a tooltip when cut."""
    short = Truncator(text).chars(chars)
    if short == text:
        return text
    return format_html('<span title="{}">{}</span>', text, short)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For the append-only tables (the moderation log, search queries): community managers
    read them (their view permissions, forums/0006); nobody edits them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(GuardedModelAdmin):
    list_display = [
        "name",
        "slug",
        "parent",
        "access",
        "is_qa",
        "position",
        "topic_count",
        "post_count",
    ]
    list_filter = ["access", "is_qa", "parent"]
    search_fields = ["name", "slug", "description"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["topic_count", "post_count", "last_activity_at"]
    ordering = ["position", "name"]

    def save_model(self, request, obj, form, change):
        category_save(category=obj)

    def delete_model(self, request, obj):
        category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            category_delete(category=category)


def _each(modeladmin, request, objects, action, done: str) -> None:
    changed = 0
    for obj in objects:
        try:
            action(obj)
        except (PermissionDenied, ValidationError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, f"{changed} {done}.", messages.SUCCESS)


def _distinct_topics(posts) -> list[Topic]:
    topic_ids = posts.values_list("topic_id", flat=True).distinct()
    return list(Topic.objects.filter(pk__in=topic_ids).select_related("category"))


class MoveAdminForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label="Move to")
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = visible_categories(user)


def _intermediate(modeladmin, request, queryset, *, action: str, title: str, form, intro: str):
    """The page that asks for what an action needs (an end date, a category…) before it
    runs, like Django's delete confirmation."""
    return TemplateResponse(
        request,
        "admin/forums/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "opts": modeladmin.model._meta,
            "form": form,
            "action": action,
            "objects": list(queryset),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


class TopicActions:
    """Lock, pin, move and merge, for topics picked directly or through their posts."""

    def _topics(self, queryset) -> list[Topic]:
        raise NotImplementedError

    def _lock(self, request, queryset, locked: bool):
        _each(
            self,
            request,
            self._topics(queryset),
            lambda t: topic_lock_set(topic=t, actor=request.user, locked=locked),
            "topics locked" if locked else "topics unlocked",
        )

    def _pin(self, request, queryset, pinned: bool):
        _each(
            self,
            request,
            self._topics(queryset),
            lambda t: topic_pin_set(topic=t, actor=request.user, pinned=pinned),
            "topics pinned" if pinned else "topics unpinned",
        )

    def _move(self, request, queryset, action: str):
        form = MoveAdminForm(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_valid():
            category = form.cleaned_data["category"]
            _each(
                self,
                request,
                self._topics(queryset),
                lambda t: topic_move(
                    topic=t,
                    actor=request.user,
                    category=category,
                    reason=form.cleaned_data["reason"],
                ),
                f"topics moved to {category.name}",
            )
            return None
        return _intermediate(
            self,
            request,
            queryset,
            action=action,
            title="Move topics",
            form=form,
            intro="Tags not allowed in the new category are dropped.",
        )

    def _merge(self, request, queryset, action: str):
        form = MergeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            into = (
                visible_topics(request.user)
                .select_related("category")
                .filter(pk=form.cleaned_data["into"])
                .first()
            )
            if into is None:
                form.add_error("into", "No such topic.")
            else:
                _each(
                    self,
                    request,
                    [t for t in self._topics(queryset) if t.pk != into.pk],
                    lambda t: topic_merge(
                        topic=t, into=into, actor=request.user, reason=form.cleaned_data["reason"]
                    ),
                    f"topics merged into “{into.title}” and closed",
                )
                return None
        return _intermediate(
            self,
            request,
            queryset,
            action=action,
            title="Merge and close topics",
            form=form,
            intro="Every post of the selected topics moves into the topic you name; the "
            "selected topics are closed and point to it.",
        )


@admin.register(Topic)
class TopicAdmin(TopicActions, admin.ModelAdmin):
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
    list_filter = ["category", "is_pinned", "is_locked", "is_hidden", "tags"]
    search_fields = ["title", "author_name"]
    list_select_related = ["category"]
    date_hierarchy = "last_post_at"
    fields = [
        "category",
        "title",
        "slug",
        "author",
        "author_name",
        "accepted_answer",
        "merged_into",
        "tags",
    ]
    readonly_fields = fields
    actions = ["lock", "unlock", "pin", "unpin", "move", "merge"]

    def _topics(self, queryset):
        return list(queryset.select_related("category"))

    def has_add_permission(self, request):
        return False  # topics start in the browser, through topic_create

    @admin.action(description="Lock selected topics", permissions=["change"])
    def lock(self, request, queryset):
        self._lock(request, queryset, True)

    @admin.action(description="Unlock selected topics", permissions=["change"])
    def unlock(self, request, queryset):
        self._lock(request, queryset, False)

    @admin.action(description="Pin selected topics", permissions=["change"])
    def pin(self, request, queryset):
        self._pin(request, queryset, True)

    @admin.action(description="Unpin selected topics", permissions=["change"])
    def unpin(self, request, queryset):
        self._pin(request, queryset, False)

    @admin.action(description="Move selected topics to another category…", permissions=["change"])
    def move(self, request, queryset):
        return self._move(request, queryset, "move")

    @admin.action(
        description="Merge selected topics into another and close them…", permissions=["change"]
    )
    def merge(self, request, queryset):
        return self._merge(request, queryset, "merge")


class ReviewFilter(admin.SimpleListFilter):
    title = "review status"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("queue", "Needs review (open flags)"),
            ("auto_hidden", "Hidden by flags"),
            ("hidden", "Hidden"),
        ]

    def queryset(self, request, queryset):
        open_flag = Flag.objects.filter(post=OuterRef("pk"), status=FlagStatus.OPEN)
        if self.value() == "queue":
            return queryset.filter(Exists(open_flag))
        if self.value() == "auto_hidden":
            return queryset.filter(Exists(open_flag), is_hidden=True, hidden_by__isnull=True)
        if self.value() == "hidden":
            return queryset.filter(is_hidden=True)
        return queryset


class FlagInline(admin.TabularInline):
    model = Flag
    fields = ["created_at", "flagger", "reason", "note", "status", "resolved_by", "resolved_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(TopicActions, admin.ModelAdmin):
    # Read at 1280 px: a short excerpt (the link to the post), the topic's title cut short
    # (the whole one on hover), then the narrow columns. static/admin-extra keeps them from
    # wrapping.
    list_display = [
        "excerpt",
        "topic_title",
        "category",
        "written_by",
        "created",
        "is_hidden",
        "open_flags",
    ]
    list_display_links = ["excerpt"]
    list_filter = [ReviewFilter, "is_hidden", "is_opening", "topic__category"]
    search_fields = ["body", "author_name", "topic__title"]
    list_select_related = ["topic__category"]
    # A filtered page would otherwise count the whole (ever-growing) post table a second time.
    show_full_result_count = False
    fields = [
        "topic",
        "author",
        "author_name",
        "body",
        "is_hidden",
        "hidden_reason",
        "hidden_by",
        "hidden_at",
        "edited_at",
    ]
    readonly_fields = fields
    inlines = [FlagInline]
    actions = [
        "hide",
        "restore",
        "dismiss_flags",
        "suspend_author",
        "lock_topic",
        "unlock_topic",
        "pin_topic",
        "unpin_topic",
        "move_topic",
        "merge_topic",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_flag_count=Count("flags", filter=Q(flags__status=FlagStatus.OPEN)))
            .prefetch_related(
                Prefetch(
                    "flags",
                    queryset=Flag.objects.filter(status=FlagStatus.OPEN)
                    .select_related("flagger")
                    .order_by("created_at"),
                    to_attr="open_flag_list",
                )
            )
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "queue_url": reverse("admin:forums_post_changelist") + "?review=queue",
        }
        return super().changelist_view(request, extra_context)

    def _topics(self, queryset):
        return _distinct_topics(queryset)

    def has_add_permission(self, request):
        return False

    @admin.display(description="Post")
    def excerpt(self, post):
        return Truncator(html_to_text(post.html) or " ".join(post.body.split())).chars(90)

    @admin.display(description="Author", ordering="author_name")
    def written_by(self, post):  # the name as posted: no query for the account
        return post.author_name

    @admin.display(description="Created", ordering="created_at")
    def created(self, post):
        # A date, not "Dec. 7, 2026, 5:07 a.m.": the column has to fit at 1280 px.
        return date_format(localtime(post.created_at), "j M Y")

    @admin.display(description="Topic", ordering="topic__title")
    def topic_title(self, post):
        return _cut(post.topic.title, TOPIC_TITLE_CHARS)

    @admin.display(description="Category", ordering="topic__category__name")
    def category(self, post):
        return post.topic.category

    @admin.display(description="Open flags", ordering="open_flag_count")
    def open_flags(self, post):
        flags = getattr(post, "open_flag_list", [])
        if not flags:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{} ({}){}",
            (
                (
                    flag.get_reason_display(),
                    flag.flagger.username if flag.flagger else "former member",
                    f": “{flag.note}”" if flag.note else "",
                )
                for flag in flags
            ),
        )

    @admin.action(description="Hide selected posts", permissions=["change"])
    def hide(self, request, queryset):
        _each(
            self,
            request,
            queryset.select_related("topic__category"),
            lambda p: post_hide(post=p, actor=request.user, reason="Hidden from the admin."),
            "hidden",
        )

    @admin.action(
        description="Restore selected posts (dismisses their flags)", permissions=["change"]
    )
    def restore(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(is_hidden=True),
            lambda p: post_restore(post=p, actor=request.user),
            "restored",
        )

    @admin.action(description="Dismiss the flags on selected posts", permissions=["change"])
    def dismiss_flags(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda p: flags_dismiss(post=p, actor=request.user),
            "posts' flags dismissed",
        )

    @admin.action(description="Suspend the authors of selected posts…", permissions=["change"])
    def suspend_author(self, request, queryset):
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            authors = {p.author for p in queryset.select_related("author") if p.author}
            _each(
                self,
                request,
                authors,
                lambda member: member_suspend(
                    member=member,
                    actor=request.user,
                    until=form.cleaned_data["until"],
                    reason=form.cleaned_data["reason"],
                ),
                "members suspended",
            )
            return None
        return _intermediate(
            self,
            request,
            queryset,
            action="suspend_author",
            title="Suspend authors",
            form=form,
            intro="Suspended members keep reading but cannot post, react or flag until the end "
            "date. They are told in the app, with the reason.",
        )

    @admin.action(description="Lock the topics of selected posts", permissions=["change"])
    def lock_topic(self, request, queryset):
        self._lock(request, queryset, True)

    @admin.action(description="Unlock the topics of selected posts", permissions=["change"])
    def unlock_topic(self, request, queryset):
        self._lock(request, queryset, False)

    @admin.action(description="Pin the topics of selected posts", permissions=["change"])
    def pin_topic(self, request, queryset):
        self._pin(request, queryset, True)

    @admin.action(description="Unpin the topics of selected posts", permissions=["change"])
    def unpin_topic(self, request, queryset):
        self._pin(request, queryset, False)

    @admin.action(description="Move the topics of selected posts…", permissions=["change"])
    def move_topic(self, request, queryset):
        return self._move(request, queryset, "move_topic")

    @admin.action(description="Merge-close the topics of selected posts…", permissions=["change"])
    def merge_topic(self, request, queryset):
        return self._merge(request, queryset, "merge_topic")


def _moderation_queue_row(request, with_counts: bool) -> dict | None:
    """The admin home's first "Forums and moderation" row, for those who moderate: the
    admin's post list filtered to the queue (where managers have every action at hand) for
    those who moderate every category and may open that list; the browser queue (only their
    categories) for anyone else."""
    user = request.user
    if not can_moderate_any_category(user):
        return None
    post_admin = admin.site.get_model_admin(Post)
    if moderates_every_category(user) and post_admin.has_view_or_change_permission(request):
        url = reverse("admin:forums_post_changelist") + "?review=queue"
    else:
        url = reverse("forums:moderation-queue")
    name, count = "Moderation queue", None
    if with_counts:
        count = queue_post_count(moderator=user)
        waiting = f"{count} post{'s' if count != 1 else ''} waiting" if count else "nothing waiting"
        name = f"{name}: {waiting}"
    return {
        "name": name,
        "object_name": "ModerationQueue",
        "label": "forums.moderation_queue",
        "model": None,
        "perms": {"view": True},
        "admin_url": url,
        "add_url": None,
        "view_only": True,
        "count": count,
    }


admin.site.add_home_entry("forums", _moderation_queue_row)


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "description", "categories"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Community managers define the tags members pick from."""

    form = TagAdminForm
    list_display = ["name", "slug", "allowed_in"]
    search_fields = ["name", "slug", "description"]
    list_filter = ["categories"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["categories"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description="Allowed in")
    def allowed_in(self, tag):
        names = [c.name for c in tag.categories.all()]
        return ", ".join(names) if names else "Every category"


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "action",
        "actor",
        "category",
        "topic_link",
        "post",
        "target_user",
        "reason",
    ]
    list_filter = ["action", "category"]
    search_fields = ["reason", "actor__username", "target_user__username", "topic__title"]
    list_select_related = ["actor", "category", "topic", "post", "target_user"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "action",
        "actor",
        "category",
        "topic",
        "post",
        "target_user",
        "reason",
        "details",
    ]
    readonly_fields = fields

    @admin.display(description="Topic", ordering="topic__title")
    def topic_link(self, event):
        if event.topic is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            event.topic.get_absolute_url(),
            _cut(event.topic.title, TOPIC_TITLE_CHARS),
        )


class ClickedFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("zero", "No results"),
            ("clicked", "A result was opened"),
            ("unclicked", "Results, none opened"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "zero":
            return queryset.filter(result_count=0)
        if self.value() == "clicked":
            return queryset.filter(clicked_at__isnull=False)
        if self.value() == "unclicked":
            return queryset.filter(result_count__gt=0, clicked_at__isnull=True)
        return queryset


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnlyAdmin):
    list_display = ["query", "result_count", "clicked", "clicked_topic", "user", "created_at"]
    list_filter = [ClickedFilter]
    search_fields = ["query"]
    list_select_related = ["user", "clicked_topic"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "query",
        "filters",
        "result_count",
        "user",
        "clicked_at",
        "clicked_topic",
    ]
    readonly_fields = fields

    @admin.display(description="Clicked", boolean=True, ordering="clicked_at")
    def clicked(self, query):
        return query.clicked_at is not None
