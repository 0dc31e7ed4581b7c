"""Who may see, post and moderate in the forums. Visibility is decided in SQL (querysets
filtered by category access and guardian grants), so every list, count and detail page
agrees; a category or topic the viewer may not see is answered exactly like a missing one.

Who sees a category:
  public   everyone, except visitors (and sign-ups awaiting approval) when the community is
           members-only (branding `members_only`);
  members  community members (members.permissions.is_community_member);
  private  community members holding `forums.view_category` or `forums.moderate_category`
           on it, usually through their auth Group (a private group's membership is the
           grant);
  and every category for holders of the global `forums.view_category` (community
  managers) or `forums.moderate_category` (Moderators: they moderate everywhere, private
  spaces included) and superusers. A sub-category additionally needs its parent to be visible.

Posting: any community member may post where they can see, in a topic that is neither
locked nor hidden (moderators of the category may still reply to a locked topic).
`forums.post_category` is declared for read-only categories (announcements), which a later
slice adds; nothing checks it yet."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from community.db import KeyLookup
from community.per_request import (
    cache_get_many_prefetched,
    cache_prefetch,
    per_request,
)
from community.selectors import branding_get
from forums.models import (
    Category,
    CategoryAccess,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Post,
    Tag,
    Topic,
)
from members.access import access_version_keys, access_versions
from members.models import User
from members.permissions import community_members, is_community_member, objects_for_user

VIEW_CATEGORY = "forums.view_category"
POST_CATEGORY = "forums.post_category"
MODERATE_CATEGORY = "forums.moderate_category"
# One message for "hidden" and "missing", so a guessed id or slug tells nothing.
CATEGORY_NOT_FOUND = "No such category."
TOPIC_NOT_FOUND = "No such topic."
TAG_NOT_FOUND = "No such tag."


# --- Reach: what a signed-in member may see and moderate -----------------------------------
#
# Working it out takes guardian's object-permission subqueries, whose building alone cost
# more than the rest of a topic page. So each member's reach (category ids) is computed once
# and kept in the cache, stamped with the access versions it was computed under (the
# community's and the member's own, members.access). The services that change access
# replace those versions themselves, so a stale entry is never used: its stamp no longer
# matches, and the member's very next request computes it again.

REACH_CACHE_SECONDS = 10 * 60


class Reach(NamedTuple):
    versions: tuple[str, ...]
    sees_all: bool  # superusers, the global view_category or moderate_category
    moderates_all: bool
    visible: frozenset[int]  # category ids; unused when sees_all
    moderated: frozenset[int]  # category ids, sub-categories included; unused when moderates_all


def _reach_key(user_id: int | None) -> str:
    # Reach is a class of this code: each release keeps its own entries.
    who = "visitors" if user_id is None else user_id
    return f"forums:reach:{settings.RELEASE_ID}:{who}"


def member_reach_key(user_id: int) -> str:
    """Where a member's reach is kept (their requests prefetch it)."""
    return _reach_key(user_id)


def _reach_cached(user_id: int | None, compute) -> Reach:
    """The reach kept for `user_id` (None: visitors) if it carries the current access
    versions, else `compute(versions)` kept there: one cache round trip when it is cached,
    once per request."""
    key = _reach_key(user_id)
    return per_request(key, lambda: _reach_current(user_id, key, compute))


def _reach_current(user_id: int | None, key: str, compute) -> Reach:
    cached = cache_get_many_prefetched([*access_version_keys(user_id), key])
    versions = access_versions(user_id, cached)
    reach = cached.get(key)
    if reach is not None and reach.versions == versions:
        return reach
    reach = compute(versions)
    cache.set(key, reach, timeout=REACH_CACHE_SECONDS)
    return reach


def member_reach(user) -> Reach:
    """`user`'s reach (an active, signed-in user)."""
    return _reach_cached(user.pk, lambda versions: _reach_compute(user.pk, versions))


def _reach_compute(user_id: int, versions: tuple[str, ...]) -> Reach:
    # The member as they are now, not the row this request loaded before it read the
    # versions: a change committed in between (superuser or role taken away) would otherwise
    # be cached under the new versions. Costs a query when the reach is computed only.
    user = User._default_manager.filter(pk=user_id).first()
    if user is None or not _signed_in(user):
        return Reach(versions, False, False, frozenset(), frozenset())
    moderates_all = bool(user.is_superuser or user.has_perm(MODERATE_CATEGORY))
    sees_all = moderates_all or user.has_perm(VIEW_CATEGORY)
    visible: frozenset[int] = frozenset()
    moderated: frozenset[int] = frozenset()
    if not sees_all:
        visible = _visible_by_access(user)
    if not moderates_all and is_community_member(user):
        granted = objects_for_user(user, MODERATE_CATEGORY, Category.objects.all()).values("pk")
        moderated = frozenset(
            Category.objects.filter(Q(pk__in=granted) | Q(parent_id__in=granted)).values_list(
                "pk", flat=True
            )
        )
    return Reach(versions, sees_all, moderates_all, visible, moderated)


def _signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def reach_cache_keys(user) -> list[str]:
    """The cache entries `user`'s permission checks read, for a page that prefetches them
    with its own (community.per_request.cache_prefetch)."""
    if not _signed_in(user):
        return [*access_version_keys(None), _reach_key(None)]
    if user.is_superuser:
        return []
    return [*access_version_keys(user.pk), _reach_key(user.pk)]


def _visitor_visible_ids() -> frozenset[int]:
    """The categories visitors see (none on a members-only community), cached under the
    community's access version like a member's reach: the same for every visitor."""
    if branding_get().members_only:
        return frozenset()
    reach = _reach_cached(
        None,
        lambda versions: Reach(
            versions, False, False, _visible_by_access(AnonymousUser()), frozenset()
        ),
    )
    return reach.visible


def _visible_by_access(user) -> frozenset[int]:
    """The ids of the categories `user` sees by the access rules, without global grants."""
    own, parent = _access_conditions(user)
    return frozenset(
        Category.objects.filter(own & (Q(parent__isnull=True) | parent)).values_list(
            "pk", flat=True
        )
    )


def _access_conditions(user) -> tuple[Q, Q]:
    """Which categories `user` may see by their own access rule, and by their parent's."""
    if is_community_member(user):
        open_to_members = [CategoryAccess.PUBLIC, CategoryAccess.MEMBERS]
        granted = objects_for_user(
            user,
            [VIEW_CATEGORY, MODERATE_CATEGORY],
            Category.objects.filter(access=CategoryAccess.PRIVATE),
            any_perm=True,
        ).values("pk")
        own = Q(access__in=open_to_members) | Q(pk__in=granted)
        parent = Q(parent__access__in=open_to_members) | Q(parent_id__in=granted)
    elif not branding_get().members_only:
        # Visitors never hold grants: skip guardian's anonymous-user lookups entirely.
        own = Q(access=CategoryAccess.PUBLIC)
        parent = Q(parent__access=CategoryAccess.PUBLIC)
    else:
        own = parent = Q(pk__in=[])
    return own, parent


def visible_category_ids(user) -> frozenset[int] | None:
    """The ids of the categories `user` may see, or None for "all of them"."""
    if _signed_in(user):
        if user.is_superuser:
            return None
        reach = member_reach(user)
        return None if reach.sees_all else reach.visible
    return _visitor_visible_ids()


def visible_categories(user) -> QuerySet[Category]:
    """Every category `user` may see, as one SQL query."""
    queryset = Category.objects.all()
    ids = visible_category_ids(user)
    return queryset if ids is None else queryset.filter(pk__in=ids)


def _moderated_category_ids(user) -> frozenset[int] | None:
    if not (_signed_in(user) and is_community_member(user)):
        return frozenset()
    if user.is_superuser:
        return None
    reach = member_reach(user)
    return None if reach.moderates_all else reach.moderated


def moderated_categories(user) -> QuerySet[Category]:
    """The categories `user` moderates: all for the global grant, else those granted on the
    object, and their sub-categories (as can_moderate_category)."""
    ids = _moderated_category_ids(user)
    return Category.objects.all() if ids is None else Category.objects.filter(pk__in=ids)


def can_moderate_any_category(user) -> bool:
    """Whether `user` has a moderation queue at all (a global or an object grant)."""
    ids = _moderated_category_ids(user)
    return ids is None or bool(ids)


def moderates_every_category(user) -> bool:
    """The global grant (Moderators, Community managers) or a superuser."""
    return _moderated_category_ids(user) is None


def visible_topics(user) -> QuerySet[Topic]:
    """Topics in visible categories; hidden topics only for moderators of their category."""
    topics = Topic.objects.all()
    visible = visible_category_ids(user)
    if visible is not None:
        topics = topics.filter(category_id__in=visible)
    moderated = _moderated_category_ids(user)
    if moderated is None:
        return topics
    if not moderated:
        return topics.filter(is_hidden=False)
    return topics.filter(Q(is_hidden=False) | Q(category_id__in=moderated))


def reach_fingerprint(user) -> str:
    """The same for every viewer who sees and moderates the same categories: a cache key
    part for what depends on nothing else (a list's length, say). No queries."""

    def part(ids: frozenset[int] | None) -> str:
        if ids is None:
            return "all"
        joined = ",".join(map(str, sorted(ids))).encode()
        return hashlib.blake2b(joined, digest_size=8).hexdigest()

    return f"{part(visible_category_ids(user))}:{part(_moderated_category_ids(user))}"


def can_view_topic(user, topic: Topic) -> bool:
    """visible_topics, judged for one topic (its category loaded) without a query."""
    visible = visible_category_ids(user)
    if visible is not None and topic.category_id not in visible:
        return False
    return not topic.is_hidden or can_moderate_category(user, topic.category)


def access_category(user, **lookup) -> Category:
    """The category if `user` may see it; the same Http404 as for a missing one otherwise.
    Judged against the viewer's cached reach, so the query is the plain lookup."""
    category = Category.objects.select_related("parent").filter(**lookup).first()
    if category is None or not can_view_category(user, category):
        raise Http404(CATEGORY_NOT_FOUND)
    return category


def _category_page_queryset():
    from forums.page_cache.lists import with_topics_changed

    return with_topics_changed(Category.objects.select_related("parent"))


_category_for_page = KeyLookup(_category_page_queryset, field="slug")


def access_category_page(user, *, slug: str) -> Category:
    """access_category for the category's own page: by its slug, with the newest change of
    its topics (`topics_changed`, the page's version) in the same statement, whose SQL is
    compiled once (community.db.KeyLookup): building it took longer than running it."""
    category = _category_for_page.get(slug)
    if category is None or not can_view_category(user, category):
        raise Http404(CATEGORY_NOT_FOUND)
    return category


_topic_by_key = KeyLookup(lambda: Topic.objects.select_related("category"))


def access_topic(user, *, pk, prefetch=None) -> Topic:
    """The topic (category joined) if `user` may see it; the same Http404 as for a missing
    one otherwise. Fetched by its key, with SQL compiled once, and judged against the
    viewer's cached reach: the busiest page of the forum starts here. `prefetch(topic)`
    names cache entries the caller reads next, fetched in the same round trip as the
    viewer's permission entries (community.per_request.cache_prefetch)."""
    topic = _topic_by_key.get(pk)
    if topic is not None and prefetch is not None:
        cache_prefetch([*reach_cache_keys(user), *prefetch(topic)])
    if topic is None or not can_view_topic(user, topic):
        raise Http404(TOPIC_NOT_FOUND)
    return topic


def merged_target_for(user, *, pk: int) -> Topic | None:
    """The topic that topic `pk` was merged into, when `user` may see it (one query)."""
    merged_into = Topic.objects.filter(pk=pk, merged_into__isnull=False).values("merged_into")
    return visible_topics(user).filter(pk__in=merged_into).first()


def can_view_category(user, category: Category) -> bool:
    ids = visible_category_ids(user)
    return ids is None or category.pk in ids


def can_moderate_category(user, category: Category) -> bool:
    """The global grant (Moderators, Community managers) or an object grant (a volunteer
    moderator of this category, or of its parent)."""
    moderated = _moderated_category_ids(user)
    return moderated is None or category.pk in moderated


def check_moderate_category(user, category: Category) -> None:
    if not can_moderate_category(user, category):
        raise PermissionDenied("Only this category's moderators can do that.")


def suspension_refusal(user) -> str | None:
    """Why a suspended member may not post, react or flag; None when they may."""
    if user.is_authenticated and user.is_suspended:
        until = timezone.localtime(user.suspended_until).strftime("%-d %B %Y, %H:%M")
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        return f"Your account is suspended until {until}.{reason}"
    return None


def check_not_suspended(user) -> None:
    refusal = suspension_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)


def check_post_in(user, category: Category) -> None:
    """Raises PermissionDenied with a message the member can act on."""
    if not is_community_member(user):
        raise PermissionDenied("Only community members can post. Sign in or join first.")
    check_not_suspended(user)
    if not can_view_category(user, category):
        # Same words whether it exists or not: a guessed id learns nothing.
        raise PermissionDenied("You can't post there.")


def can_post_in(user, category: Category) -> bool:
    try:
        check_post_in(user, category)
    except PermissionDenied:
        return False
    return True


def reply_refusal(user, topic: Topic, *, moderates: bool | None = None) -> str | None:
    """Why `user` may not reply to `topic` (a visible one), or None when they may. No
    queries beyond the moderation check when `moderates` is passed in."""
    if not is_community_member(user):
        return "Sign in as a community member to reply."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if topic.is_hidden:
        return "This topic has been hidden by a moderator and takes no replies."
    if topic.is_locked:
        if moderates is None:
            moderates = can_moderate_category(user, topic.category)
        if not moderates:
            return "This topic is locked: it no longer takes replies."
    return None


def check_reply(user, topic: Topic) -> None:
    check_post_in(user, topic.category)
    if not visible_topics(user).filter(pk=topic.pk).exists():
        raise PermissionDenied("You can't post there.")
    refusal = reply_refusal(user, topic)
    if refusal:
        raise PermissionDenied(refusal)


# Authors may edit their own post for this long (Discourse's post_edit_time_limit); the
# category's moderators may edit any time. Every edit keeps the old body (PostRevision).
EDIT_WINDOW = timedelta(hours=24)


def post_edit_refusal(user, post: Post, *, moderates: bool | None = None) -> str | None:
    """Why `user` may not edit `post` (a post they can see), or None when they may."""
    if not is_community_member(user):
        return "Sign in to edit your posts."
    if moderates is None:
        moderates = can_moderate_category(user, post.topic.category)
    if moderates:
        return None
    if post.author_id != user.pk:
        return "You can only edit your own posts."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if post.is_hidden:
        return "This post is hidden and can no longer be edited."
    if post.topic.is_locked:
        return "This topic is locked: its posts can no longer be edited."
    if timezone.now() - post.created_at > EDIT_WINDOW:
        return "Posts can be edited for 24 hours after posting; this one is older."
    return None


def check_edit_post(user, post: Post) -> None:
    refusal = post_edit_refusal(user, post)
    if refusal:
        raise PermissionDenied(refusal)


# --- A single post: see it, react, accept as the answer, delete --------------------------------
#
# `*_refusal` returns the reason a member can act on, or None; `check_*` raises it;
# `access_post` answers 404 exactly like a missing id. The `*_refusal` helpers issue no
# queries when `moderates` is passed in, so the topic page can ask them for every post.

POST_NOT_FOUND = "No such post."


def visible_posts(user) -> QuerySet[Post]:
    """Posts in topics `user` may see; hidden posts are left for the caller to judge (they
    need the category's moderation right, which depends on the post's category)."""
    return Post.objects.filter(topic__in=visible_topics(user))


def access_post(user, *, pk: int) -> Post:
    """The post with its topic and category joined, if `user` may see it: its topic is
    visible and, when hidden, `user` moderates its category. Otherwise the same 404 as for
    a missing id. Sets `post.viewer_moderates` for the caller."""
    post = (
        visible_posts(user)
        .select_related("topic__category__parent", "author")
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise Http404(POST_NOT_FOUND)
    post.viewer_moderates = can_moderate_category(user, post.topic.category)
    if post.is_hidden and not post.viewer_moderates:
        raise Http404(POST_NOT_FOUND)
    return post


def check_view_post(user, post: Post) -> bool:
    """Raises PermissionDenied unless `user` may see `post`; returns whether they moderate
    its category. For services, which must be safe whichever caller loaded the post."""
    moderates = can_moderate_category(user, post.topic.category)
    if (post.is_hidden and not moderates) or not visible_topics(user).filter(
        pk=post.topic_id
    ).exists():
        raise PermissionDenied("You can't do that here.")
    return moderates


def _acting_member_refusal(user, verb: str) -> str | None:
    if not is_community_member(user):
        return f"Sign in as a community member to {verb}."
    return suspension_refusal(user)


def reaction_refusal(user, post: Post) -> str | None:
    """Why `user` may not react to `post` (one they can see), or None when they may."""
    refusal = _acting_member_refusal(user, "react")
    if refusal:
        return refusal
    if post.author_id == user.pk:
        # Discourse forbids liking yourself; here it would also farm the reciprocity ledger.
        return "You can't react to your own post."
    if post.is_hidden:
        return "This post is hidden and takes no reactions."
    if post.topic.is_hidden:
        return "This topic has been hidden by a moderator and takes no reactions."
    return None


def answer_refusal(
    user, topic: Topic, post: Post | None = None, *, moderates: bool | None = None
) -> str | None:
    """Why `user` may not mark (or unmark) an accepted answer in `topic`, or None. With
    `post`, also whether that post can be the answer."""
    if not topic.category.is_qa:
        return "Only topics in Q&A categories have accepted answers."
    refusal = _acting_member_refusal(user, "mark an answer")
    if refusal:
        return refusal
    if topic.is_hidden:
        return "This topic has been hidden by a moderator."
    if topic.author_id != user.pk:
        if moderates is None:
            moderates = can_moderate_category(user, topic.category)
        if not moderates:
            return "Only the person who asked, or a moderator, can mark the accepted answer."
    if post is not None:
        if post.topic_id != topic.pk:
            return "That post is not in this topic."
        if post.is_opening:
            return "The question itself can't be its answer: pick a reply."
        if post.is_hidden:
            return "A hidden post can't be the accepted answer."
    return None


def post_delete_refusal(user, post: Post, *, topic_has_replies: bool | None = None) -> str | None:
    """Why `user` may not delete (hide) their own `post`, or None. Deleting is allowed at
    any time, also in a locked topic: it hides, and the category's moderators still see it.
    `topic_has_replies` (visible replies) matters for the opening post only; without it the
    denormalised reply count decides."""
    if not is_community_member(user):
        return "Sign in to delete your posts."
    if post.author_id != user.pk:
        return "You can only delete your own posts."
    if post.is_hidden:
        return "This post is already hidden."
    if post.is_opening:
        if topic_has_replies is None:
            topic_has_replies = post.topic.reply_count > 0
        if topic_has_replies:
            return (
                "This topic has replies, so its opening post can't be deleted: edit it "
                "instead, or flag the topic for a moderator."
            )
    return None


# --- Who may see a category or topic, turned around -----------------------------------------
#
# The rules above answer "what may this person see"; notifications, e-mails and mention
# suggestions ask the reverse, "who may see this", for many people at once. The same rules,
# as one queryset of members.


def _forum_permissions(*codenames: str) -> QuerySet[Permission]:
    return Permission.objects.filter(content_type__app_label="forums", codename__in=codenames)


def _holders_of_global(*codenames: str) -> Q:
    permissions = _forum_permissions(*codenames)
    by_group = Group.objects.filter(permissions__in=permissions).values("pk")
    direct = User.user_permissions.through.objects.filter(permission__in=permissions)
    in_group = User.groups.through.objects.filter(group_id__in=by_group)
    return (
        Q(is_superuser=True)
        | Q(pk__in=direct.values("user_id"))
        | Q(pk__in=in_group.values("user_id"))
    )


def _holders_on(category: Category, *codenames: str) -> Q:
    permissions = _forum_permissions(*codenames)
    to_users = CategoryUserObjectPermission.objects.filter(
        content_object=category, permission__in=permissions
    ).values("user_id")
    to_groups = CategoryGroupObjectPermission.objects.filter(
        content_object=category, permission__in=permissions
    ).values("group_id")
    return Q(pk__in=to_users) | Q(
        pk__in=User.groups.through.objects.filter(group_id__in=to_groups).values("user_id")
    )


def _category_access(category: Category) -> Q | None:
    """Who may see `category` by its own rule; None for everyone (public and members-only
    categories are open to every community member)."""
    if category.access == CategoryAccess.PRIVATE:
        return _holders_on(category, VIEW_CATEGORY.split(".")[1], MODERATE_CATEGORY.split(".")[1])
    return None


def category_readers(category: Category) -> QuerySet[User]:
    """The community members who may see `category` (visible_categories
    turned around), as one queryset."""
    rules = [_category_access(category)]
    if category.parent_id is not None:
        rules.append(_category_access(category.parent))
    restrictions = [rule for rule in rules if rule is not None]
    if not restrictions:
        return community_members()
    allowed = restrictions[0]
    for rule in restrictions[1:]:
        allowed &= rule
    return community_members().filter(
        _holders_of_global(VIEW_CATEGORY.split(".")[1], MODERATE_CATEGORY.split(".")[1]) | allowed
    )


def topic_readers(topic: Topic) -> QuerySet[User]:
    """The community members who may see `topic` (visible_topics turned
    around): its category's readers, and for a hidden topic only its moderators."""
    readers = category_readers(topic.category)
    if topic.is_hidden:
        category = topic.category
        moderators = _holders_of_global(MODERATE_CATEGORY.split(".")[1]) | _holders_on(
            category, MODERATE_CATEGORY.split(".")[1]
        )
        if category.parent_id is not None:
            moderators |= _holders_on(category.parent, MODERATE_CATEGORY.split(".")[1])
        readers = readers.filter(moderators)
    return readers


def _granted_on_outer(path: str, *codenames: str) -> Q:
    """For members in a subquery of rows naming a category at `path`: those granted one of
    `codenames` on that row's category, directly or through a group."""
    permissions = _forum_permissions(*codenames)
    category = OuterRef(OuterRef(path))
    to_user = CategoryUserObjectPermission.objects.filter(
        user=OuterRef("pk"), content_object=category, permission__in=permissions
    )
    to_group = CategoryGroupObjectPermission.objects.filter(
        content_object=category, permission__in=permissions, group__user=OuterRef("pk")
    )
    return Q(Exists(to_user)) | Q(Exists(to_group))


def topic_readers_q(topic_path: str = "topic") -> Q:
    """topic_readers for many topics in one query: a filter on members inside a subquery of
    rows that name a topic at `topic_path` (a poll's "topic", say), keeping those who may
    see that row's topic. Combine it with community_members()."""
    view, moderate = VIEW_CATEGORY.split(".")[1], MODERATE_CATEGORY.split(".")[1]
    category = f"{topic_path}__category"
    parent = f"{category}__parent"

    def reads(path: str) -> Q:
        # A missing parent is no private category: `pk = NULL` matches nothing.
        private = Category.objects.filter(
            pk=OuterRef(OuterRef(path)), access=CategoryAccess.PRIVATE
        )
        return ~Q(Exists(private)) | _granted_on_outer(path, view, moderate)

    hidden = Topic.objects.filter(pk=OuterRef(OuterRef(topic_path)), is_hidden=True)
    moderates = (
        _holders_of_global(moderate)
        | _granted_on_outer(category, moderate)
        | _granted_on_outer(parent, moderate)
    )
    sees = _holders_of_global(view, moderate) | (reads(category) & reads(parent))
    return sees & (~Q(Exists(hidden)) | moderates)


def readers_among(topic: Topic, user_ids: Iterable[int], *, chunk: int = 500) -> list[User]:
    """Those of `user_ids` who may see `topic`, loaded (a query per `chunk` ids)."""
    ids = sorted(set(user_ids))
    readers: list[User] = []
    queryset = topic_readers(topic)
    for start in range(0, len(ids), chunk):
        readers.extend(queryset.filter(pk__in=ids[start : start + chunk]))
    return readers


# --- Acting on posts and members, tags ------------------------------------------------------


def flag_refusal(user, post: Post) -> str | None:
    """Why `user` may not flag `post` (a post they can see), or None when they may."""
    if not is_community_member(user):
        return "Sign in as a community member to flag posts."
    if post.author_id == user.pk:
        return "You can't flag your own post."
    if post.is_hidden:
        return "This post is already hidden."
    return None


def check_react(user: User, post: Post) -> None:
    check_view_post(user, post)
    refusal = reaction_refusal(user, post)
    if refusal:
        raise PermissionDenied(refusal)


def check_bookmark(user, post: Post) -> None:
    if not is_community_member(user):
        raise PermissionDenied("Sign in as a community member to bookmark posts.")
    check_view_post(user, post)


def can_suspend_members(user) -> bool:
    """Suspension is community-wide, so it is for global moderators and community
    managers (the global forums.moderate_category grant), not a category's volunteers."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(MODERATE_CATEGORY))
    )


def check_suspend_members(actor: User, member: User) -> None:
    if not can_suspend_members(actor):
        raise PermissionDenied("Only community moderators and managers can suspend members.")
    if actor.pk == member.pk:
        raise PermissionDenied("You can't suspend yourself.")
    if member.is_superuser or (can_suspend_members(member) and not actor.is_superuser):
        raise PermissionDenied("Moderators and managers can't be suspended here.")


def tags_visible_to(viewer) -> QuerySet[Tag]:
    """Tags offered everywhere, or restricted to at least one category `viewer` can see (a
    tag made only for a private category would name what is inside it)."""
    restricted = Tag.categories.through.objects.filter(tag_id=OuterRef("pk"))
    return Tag.objects.filter(
        ~Exists(restricted)
        | Exists(restricted.filter(category_id__in=visible_categories(viewer).values("pk")))
    )


def access_tag(viewer, *, slug: str | None = None, pk: int | None = None) -> Tag:
    """The tag (by its unique slug or pk) if `viewer` may see it (as tags_visible_to); the
    same Http404 as for a missing one otherwise: a tag made only for a private category is
    as missing as no tag at all. One plain query, the tag once per category it is
    restricted to, checked against the viewer's cached reach rather than in SQL."""
    lookup = {"slug": slug} if pk is None else {"pk": pk}
    rows = list(Tag.objects.filter(**lookup).annotate(restricted_to=F("categories__pk")))
    if not rows:
        raise Http404(TAG_NOT_FOUND)
    restricted = {row.restricted_to for row in rows} - {None}
    visible = visible_category_ids(viewer)
    if restricted and visible is not None and not restricted & visible:
        raise Http404(TAG_NOT_FOUND)
    return rows[0]
