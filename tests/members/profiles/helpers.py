"""Shared by the profile and directory tests: viewers of each kind, branding switches, and a
profile filled with one recognisable marker per visibility-controlled field."""

import io
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from PIL import Image

from community.models import SiteBranding
from community.services import branding_cache_clear, branding_update
from members import roles
from members.models import VISIBLE_FIELDS, User, Visibility
from members.services.profiles import profile_update
from tests.members.factories import UserFactory

VIEWERS = ("visitor", "member", "self", "manager")
LEVELS = tuple(Visibility.values)

# Who sees a field at each level (members.visibility): managers browse as members.
SEES = {
    Visibility.PUBLIC: {"visitor", "member", "self", "manager"},
    Visibility.MEMBERS: {"member", "self", "manager"},
    Visibility.PRIVATE: {"self"},
}

# A value per field that appears nowhere else on a page, and how it shows up.
MARKERS = {
    "headline": "Headline Zqxheadline",
    "company": "Zqxcompany Ltd",
    "location": "Zqxlocation City",
    "time_zone": "Pacific/Chatham",
    "bio": "Bio zqxbiotext here",
    "expertise": "Zqxexpertise",
    "links": "https://zqxlinks.example/",
    "last_seen": "Last seen",
}
SEARCH_TERMS = {
    "headline": "zqxheadline",
    "company": "zqxcompany",
    "location": "zqxlocation",
    "expertise": "zqxexpertise",
}


def branding_set(**changes) -> None:
    branding_update(branding=SiteBranding.objects.get(pk=1), **changes)
    branding_cache_clear()  # tests run inside a transaction that never commits


def filled_member(*, level: str = Visibility.PUBLIC, **user_fields) -> User:
    """A member whose every visibility-controlled field holds its marker, all at `level`."""
    user = UserFactory(**user_fields)
    user.last_seen_at = timezone.now() - timedelta(days=1)
    user.save(update_fields=["last_seen_at"])
    profile_update(
        user=user,
        actor=user,
        headline=MARKERS["headline"],
        company=MARKERS["company"],
        location=MARKERS["location"],
        time_zone=MARKERS["time_zone"],
        bio=MARKERS["bio"],
        expertise=[MARKERS["expertise"]],
        website=MARKERS["links"],
        **{f"{field}_visibility": level for field in VISIBLE_FIELDS},
    )
    return user


def client_for(kind: str, *, owner: User) -> Client:
    client = Client()
    if kind == "member":
        client.force_login(UserFactory())
    elif kind == "self":
        client.force_login(owner)
    elif kind == "manager":
        client.force_login(UserFactory(roles=[roles.COMMUNITY_MANAGERS]))
    return client


def image_bytes(*, size=(600, 300), fmt="PNG", colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()
