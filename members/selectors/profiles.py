"""Reads for the profile page and the follower/following lists."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from members.models import ApprovalStatus, ExpertiseTag, Follow, Profile, User
from members.permissions import (
    can_browse_members,
    can_edit_profile,
    community_member_q,
    is_community_member,
)
from members.selectors.directory import member_card_queryset
from members.visibility import visible_fields


@dataclass(frozen=True)
class ProfilePage:
    user: User
    profile: Profile
    visible: frozenset[str]
    expertise: list[ExpertiseTag]
    follower_count: int
    following_count: int
    viewer_follows: bool
    is_self: bool
    is_erased: bool
    can_follow: bool
    can_edit: bool
    can_browse_follows: bool

    @property
    def has_about(self) -> bool:
        """Whether the About card has anything this viewer may see."""
        p, v = self.profile, self.visible
        return any(
            (
                "company" in v and p.company,
                "location" in v and p.location,
                "time_zone" in v and p.time_zone,
                "links" in v and (p.website or p.social_links),
                "bio" in v and p.bio_html,
                "expertise" in v and self.expertise,
            )
        )


def _follow_count(*, of: str, listed: str) -> Coalesce:
    # Only people who are themselves listed count, so the number matches the list it links to.
    rows = (
        Follow.objects.filter(community_member_q(f"{listed}__"), **{of: OuterRef("pk")})
        .order_by()
        .values(of)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def profile_user_access(*, username: str, viewer, annotate: bool = False) -> User:
    """The member whose profile `viewer` may open, or Http404: unknown names, guardian's
    AnonymousUser, and inactive or not-yet-approved accounts are all "not found" alike.
    Erased accounts are found (their content keeps a "former member" author page)."""
    # Usernames are looked up ignoring case, so the AnonymousUser check must ignore it too:
    # otherwise /members/anonymoususer/ finds the row and redirects to its "canonical" URL.
    if username.lower() == settings.ANONYMOUS_USER_NAME.lower():
        raise Http404("No such member.")
    users = (
        User.objects.filter(username__iexact=username)
        .filter(
            Q(erased_at__isnull=False) | Q(is_active=True, approval_status=ApprovalStatus.APPROVED)
        )
        .select_related("profile")
    )
    if annotate:
        users = users.annotate(
            follower_count=_follow_count(of="followed", listed="follower"),
            following_count=_follow_count(of="follower", listed="followed"),
            viewer_follows=(
                Exists(Follow.objects.filter(follower_id=viewer.pk, followed_id=OuterRef("pk")))
                if viewer.is_authenticated
                else Value(False)
            ),
        ).prefetch_related("profile__expertise")
    user = users.first()
    if user is None:
        raise Http404("No such member.")
    return user


def profile_page_get(*, username: str, viewer) -> ProfilePage:
    """Everything the profile page shows, in two queries (the member with counts, their
    expertise tags)."""
    user = profile_user_access(username=username, viewer=viewer, annotate=True)
    try:
        profile = user.profile
        expertise = list(profile.expertise.all())
    except Profile.DoesNotExist:
        profile, expertise = Profile(user=user), []
    is_erased = bool(user.erased_at)
    is_self = viewer.is_authenticated and viewer.pk == user.pk
    return ProfilePage(
        user=user,
        profile=profile,
        visible=frozenset() if is_erased else visible_fields(viewer, profile),
        expertise=[] if is_erased else expertise,
        follower_count=user.follower_count,
        following_count=user.following_count,
        viewer_follows=bool(user.viewer_follows),
        is_self=is_self,
        is_erased=is_erased,
        can_follow=not is_self and not is_erased and is_community_member(viewer),
        can_edit=not is_erased and can_edit_profile(viewer, user) and is_self,
        can_browse_follows=not is_erased and can_browse_members(viewer),
    )


def follow_list(*, user: User, direction: str) -> QuerySet[Follow]:
    """Follows of `user`, newest first: direction "followers" (who follows them) or
    "following" (whom they follow). Each row's `member` side is select_related with its
    profile and expertise, ready for member_cards()."""
    if direction == "followers":
        rows, member = Follow.objects.filter(followed=user), "follower"
    elif direction == "following":
        rows, member = Follow.objects.filter(follower=user), "followed"
    else:
        raise ValueError(f"unknown direction {direction!r}")
    select, prefetch = member_card_queryset(f"{member}__")
    return (
        rows.filter(community_member_q(f"{member}__"))
        .select_related(member, *select)
        .prefetch_related(*prefetch)
        .order_by("-created_at", "-pk")
    )
