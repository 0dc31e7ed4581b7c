"""forums:mention-suggestions: who the composer offers after "@" (static/js/mentions.js)."""

import re

from django.db.models import Exists, OuterRef, Q
from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from community.ratelimit import RateLimit, RateLimited, rate_limit_hit
from forums.models import Post
from forums.permissions import access_category, access_topic, category_readers, topic_readers
from members.permissions import is_community_member
from members.templatetags.member_avatars import avatar_colour, avatar_initials

SUGGESTIONS = 8
# One request per keystroke (the script waits for a pause in typing first).
SUGGESTION_LIMITS = (RateLimit(120, 60, "120 look-ups a minute"),)
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,29}")


def _target(request):
    """The topic or category named in the query, if the member may see it; 404 otherwise
    (and for nothing named at all)."""
    topic_id, category_id = request.GET.get("topic", ""), request.GET.get("category", "")
    if topic_id.isascii() and topic_id.isdigit() and len(topic_id) < 19:
        topic = access_topic(request.user, pk=int(topic_id))
        return topic, topic_readers(topic)
    if category_id.isascii() and category_id.isdigit() and len(category_id) < 19:
        category = access_category(request.user, pk=int(category_id))
        return None, category_readers(category)
    raise Http404("Name a topic or a category.")


@never_cache
@require_safe
def mention_suggestions(request):
    """GET ?q=<prefix>&topic=<id> (or &category=<id>): up to 8 members whose username or
    name starts with the prefix and who may see that topic or category, as JSON
    {"results": [{username, display_name, avatar_url, initials, colour}]}. Those who
    posted in the topic come first. Members only; 404 for a target the member may not see;
    429 past the rate limit. A fixed number of queries."""
    if not is_community_member(request.user):
        raise Http404("No such page.")
    try:
        rate_limit_hit(scope="forums:mentions", key=request.user.pk, limits=SUGGESTION_LIMITS)
    except RateLimited as exc:
        response = JsonResponse({"error": exc.message, "results": []}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    topic, readers = _target(request)
    prefix = request.GET.get("q", "").strip().lstrip("@")
    if not PREFIX_PATTERN.fullmatch(prefix):
        return JsonResponse({"results": []})
    matches = readers.filter(
        Q(username__istartswith=prefix)
        | Q(display_name__istartswith=prefix)
        | Q(display_name__icontains=f" {prefix}")
    ).exclude(pk=request.user.pk)
    ordering = ["username"]
    if topic is not None:
        posted = Post.objects.filter(topic_id=topic.pk, author_id=OuterRef("pk"))
        matches = matches.annotate(posted_here=Exists(posted))
        ordering = ["-posted_here", "username"]
    members = matches.select_related("profile").order_by(*ordering)[:SUGGESTIONS]
    return JsonResponse({"results": [_row(member) for member in members]})


def _row(member) -> dict:
    profile = getattr(member, "profile", None)
    return {
        "username": member.username,
        "display_name": member.public_name,
        "avatar_url": profile.avatar.url if profile is not None and profile.avatar else "",
        "initials": avatar_initials(member.public_name),
        "colour": avatar_colour(member.username),
    }
