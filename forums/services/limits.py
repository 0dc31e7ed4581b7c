"""Posting rate limits (docs/decisions.md, "Forums"), counted in the shared cache
by community.ratelimit so they hold across web processes; and content limits by trust level
(links, images, mentions: docs/writing-posts.md)."""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from community.markdown import render_markdown
from community.ratelimit import RateLimit, rate_limit_hit
from forums.services.mentions import MAX_MENTIONS_PER_POST, mentioned_usernames
from members.models import TrustLevel, User

DAY = 24 * 60 * 60

# Everyone: a burst guard against double submits and scripts.
POST_SPACING = RateLimit(count=1, seconds=5, description="1 post every 5 seconds")
POST_SPACING_LIMITS: tuple[RateLimit, ...] = (POST_SPACING,)
# New members (trust level 0), as Discourse's first-day limits.
NEW_MEMBER_TOPIC_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(count=3, seconds=DAY, description="3 new topics a day for new members"),
)
NEW_MEMBER_REPLY_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(count=10, seconds=DAY, description="10 replies a day for new members"),
)


def posting_limits_hit(*, author: User, is_topic: bool) -> None:
    """Count one post by `author` and raise community.ratelimit.RateLimited when over."""
    if author.trust_level == TrustLevel.NEW:
        if is_topic:
            rate_limit_hit(scope="forum-topic", key=author.pk, limits=NEW_MEMBER_TOPIC_LIMITS)
        else:
            rate_limit_hit(scope="forum-reply", key=author.pk, limits=NEW_MEMBER_REPLY_LIMITS)
    rate_limit_hit(scope="forum-post", key=author.pk, limits=POST_SPACING_LIMITS)


# --- Content limits by trust level (docs/writing-posts.md) ---------------------------------


@dataclass(frozen=True)
class ContentLimits:
    """What one post may carry. None: no limit."""

    external_links: int | None  # links to other sites (links to this site are always fine)
    external_images: int | None  # images not uploaded here
    uploaded_images: int | None  # images uploaded through the composer (validated, resized)
    mentions: int  # distinct members @mentioned


NEW_MEMBER_CONTENT = ContentLimits(
    external_links=0, external_images=0, uploaded_images=1, mentions=2
)
TRUSTED_CONTENT = ContentLimits(
    external_links=None, external_images=None, uploaded_images=None, mentions=MAX_MENTIONS_PER_POST
)
UPLOADS_PATH = "forums/uploads/"


def content_limits_for(author: User) -> ContentLimits:
    if author.trust_level == TrustLevel.NEW and not _is_staff_writer(author):
        return NEW_MEMBER_CONTENT
    return TRUSTED_CONTENT


def _is_staff_writer(author: User) -> bool:
    # Moderators and managers are often fresh accounts on a new community: no spam limits.
    return author.is_superuser or author.has_perm("forums.moderate_category")


class _PostLinks(HTMLParser):
    """The links and images of rendered (sanitised) post HTML: what the reader would get."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.image_srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])
        elif tag == "img" and values.get("src"):
            self.image_srcs.append(values["src"])


def _site_hosts() -> set[str]:
    hosts = {urlsplit(settings.SITE_URL).netloc.lower()}
    media = urlsplit(settings.MEDIA_URL)
    if media.netloc:
        hosts.add(media.netloc.lower())
    return hosts


def _is_on_site(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme and parts.scheme not in ("http", "https"):
        return False  # mailto: and the like go elsewhere
    return not parts.netloc or parts.netloc.lower() in _site_hosts()


def _is_upload(url: str) -> bool:
    if not _is_on_site(url):
        return False
    media = urlsplit(settings.MEDIA_URL)
    return urlsplit(url.strip()).path.startswith(media.path + UPLOADS_PATH)


def _host(url: str) -> str:
    return urlsplit(url.strip()).netloc or url.strip()[:60]


def content_limits_check(author: User, body: str, *, html: str | None = None) -> None:
    """Raise ValidationError({"body": [...]}) when `body` carries more links, images or
    @mentions than `author`'s trust level allows; every broken limit is listed. Pass the
    already rendered `html` to save a second render. Mentions are found as
    forums.services.mentions finds them (not in code or quotes) and counted only for handles
    of other existing members (one query, and only when the raw count is over the limit)."""
    limits = content_limits_for(author)
    content = _PostLinks()
    content.feed(render_markdown(body) if html is None else html)
    content.close()
    errors: list[str] = []
    new = limits is NEW_MEMBER_CONTENT
    after = " You can once you have been around a little longer (trust level Basic)."

    external_links = [href for href in content.hrefs if not _is_on_site(href)]
    if limits.external_links is not None and len(external_links) > limits.external_links:
        hosts = ", ".join(sorted({_host(href) for href in external_links}))
        if limits.external_links == 0:
            errors.append(f"New members can't post links to other sites yet ({hosts})." + after)
        else:
            errors.append(
                f"You can post up to {limits.external_links} links to other sites; "
                f"this post has {len(external_links)}."
            )

    uploads = [src for src in content.image_srcs if _is_upload(src)]
    external_images = [src for src in content.image_srcs if not _is_upload(src)]
    if limits.external_images is not None and len(external_images) > limits.external_images:
        errors.append(
            "New members can only show images uploaded here: use “Add image” instead of "
            "linking to one." + after
        )
    if limits.uploaded_images is not None and len(uploads) > limits.uploaded_images:
        noun = "image" if limits.uploaded_images == 1 else "images"
        who = "New members" if new else "You"
        errors.append(
            f"{who} can add up to {limits.uploaded_images} {noun} per post; "
            f"this post has {len(uploads)}."
        )

    handles = mentioned_usernames(body)
    if len(handles) > limits.mentions:
        mentioned = (
            User.objects.annotate(handle=Lower("username"))
            .filter(handle__in=handles, is_active=True)
            .exclude(pk=author.pk)
            .count()
        )
        if mentioned > limits.mentions:
            who = "New members" if new else "You"
            errors.append(
                f"{who} can mention up to {limits.mentions} people per post; "
                f"this post mentions {mentioned}."
            )
    if errors:
        raise ValidationError({"body": errors}, code="content_limits")
