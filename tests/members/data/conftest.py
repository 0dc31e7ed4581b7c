import io
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image

from community.images import image_normalize
from members.models import (
    ExpertiseTag,
    Follow,
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    MemberApplication,
    Profile,
    ShoutOut,
    SupportAct,
    SupportKind,
    Visibility,
)
from tests.members.factories import UserFactory


def png_upload(color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.size = len(buffer.getvalue())
    return image_normalize(buffer, max_bytes=1_000_000, max_size=(64, 64), name_prefix="avatar")


def group(name: str, *, members=()) -> GroupProfile:
    auth_group = Group.objects.create(name=name)
    profile = GroupProfile.objects.create(
        group=auth_group, slug=name.lower().replace(" ", "-"), member_count=len(members)
    )
    for user in members:
        user.groups.add(auth_group)
    return profile


@pytest.fixture
def rich_member(db):
    """A member with something in every corner the export and erase must reach."""
    user = UserFactory(
        username="frida", display_name="Frida Kahlo", first_name="Frida", last_name="Kahlo"
    )
    profile = Profile.objects.create(
        user=user,
        headline="Painter",
        company="Casa Azul",
        company_visibility=Visibility.PRIVATE,
        location="Coyoacán",
        time_zone="America/Mexico_City",
        bio="I paint *myself*.",
        bio_html="<p>I paint <em>myself</em>.</p>",
        website="https://example.org/frida",
        social_links=[{"label": "Site", "url": "https://example.org"}],
    )
    profile.expertise.add(ExpertiseTag.objects.create(name="Painting", slug="painting"))
    profile.avatar.save("ignored.png", png_upload())
    friend, fan = UserFactory(username="diego"), UserFactory(username="fan")
    Follow.objects.create(follower=user, followed=friend)
    Follow.objects.create(follower=fan, followed=user)
    given = ShoutOut.objects.create(author=user, recipient=friend, message="Diego builds walls")
    received = ShoutOut.objects.create(author=fan, recipient=user, message="Frida inspires")
    for shout_out in (given, received):
        SupportAct.objects.create(
            giver=shout_out.author,
            receiver=shout_out.recipient,
            kind=SupportKind.SHOUT_OUT,
            target=shout_out,
            occurred_at=shout_out.created_at,
        )
    beta = group("Beta Program", members=[user, friend])
    board = group("Advisory Board")
    GroupMembershipRequest.objects.create(group_profile=board, user=user, message="Let me in")
    GroupInvitation.objects.create(
        group_profile=beta,
        email=user.email,
        invited_by=friend,
        expires_at=timezone.now() + timedelta(days=7),
        accepted_by=user,
        accepted_at=timezone.now(),
    )
    MemberApplication.objects.create(
        user=user, company="Casa Azul", headline="Painter", reason="To meet painters"
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user
