"""Profile writes: the member's own edits (and a community manager's, with the
members.change_profile permission). Markdown is rendered and images re-encoded here, at write
time, so every page that shows a profile can trust what is stored."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from community.images import image_normalize
from community.markdown import render_markdown
from members.access import member_pages_changed
from members.models import VISIBLE_FIELDS, ExpertiseTag, Profile, User
from members.permissions import check_edit_profile

AVATAR_MAX_BYTES = 2 * 1024 * 1024
AVATAR_MAX_SIZE = (400, 400)
SOCIAL_LINKS_MAX = 5
SOCIAL_LABEL_MAX_LENGTH = 40
URL_MAX_LENGTH = 300
EXPERTISE_MAX = 10
EXPERTISE_NAME_MIN_LENGTH = 2
EXPERTISE_NAME_MAX_LENGTH = 40

PROFILE_TEXT_FIELDS = ("headline", "company", "location", "time_zone", "bio", "website")
VISIBILITY_FIELDS = tuple(f"{field}_visibility" for field in VISIBLE_FIELDS)
UPDATABLE_FIELDS = frozenset(
    {
        "display_name",
        *PROFILE_TEXT_FIELDS,
        *VISIBILITY_FIELDS,
        "social_links",
        "expertise",
        "avatar",
        "avatar_remove",
    }
)

http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter an address that starts with http:// or https://."
)


def profile_get_or_create(*, user: User) -> Profile:
    """The member's profile row. Accounts made before profiles existed, or by bulk imports
    such as the demo seed, have none until they first edit it."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def social_links_validate(links: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Return the links as stored ([{"label", "url"}]), or raise ValidationError. Only
    http(s) addresses: a javascript: link on a profile would run in the visitor's session."""
    cleaned: list[dict[str, str]] = []
    errors: list[ValidationError] = []
    for position, link in enumerate(links, start=1):
        label = str(link.get("label", "")).strip()
        url = str(link.get("url", "")).strip()
        if not label:
            errors.append(ValidationError(f"Link {position}: give the link a label."))
        elif len(label) > SOCIAL_LABEL_MAX_LENGTH:
            errors.append(
                ValidationError(
                    f"Link {position}: the label may be at most "
                    f"{SOCIAL_LABEL_MAX_LENGTH} characters."
                )
            )
        if len(url) > URL_MAX_LENGTH:
            errors.append(
                ValidationError(
                    f"Link {position}: the address may be at most {URL_MAX_LENGTH} characters."
                )
            )
        else:
            try:
                http_url_validator(url)
            except ValidationError:
                errors.append(
                    ValidationError(
                        f"Link {position}: enter an address that starts with http:// or https://."
                    )
                )
        cleaned.append({"label": label, "url": url})
    if len(cleaned) > SOCIAL_LINKS_MAX:
        errors.append(ValidationError(f"Add at most {SOCIAL_LINKS_MAX} links."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def expertise_names_validate(names: Iterable[str]) -> list[str]:
    """Trimmed, de-duplicated (ignoring case) tag names, or ValidationError."""
    unique: dict[str, str] = {}
    errors: list[ValidationError] = []
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > EXPERTISE_NAME_MAX_LENGTH:
            errors.append(
                ValidationError(
                    f"“{name[:EXPERTISE_NAME_MAX_LENGTH]}…” is too long: each area of expertise "
                    f"may be at most {EXPERTISE_NAME_MAX_LENGTH} characters."
                )
            )
            continue
        if len(name) < EXPERTISE_NAME_MIN_LENGTH:
            errors.append(
                ValidationError(
                    f"“{name}” is too short: each area of expertise needs at least "
                    f"{EXPERTISE_NAME_MIN_LENGTH} characters."
                )
            )
            continue
        unique.setdefault(name.casefold(), name)
    if len(unique) > EXPERTISE_MAX:
        errors.append(
            ValidationError(
                f"Choose at most {EXPERTISE_MAX} areas of expertise (you entered {len(unique)})."
            )
        )
    if errors:
        raise ValidationError(errors)
    return list(unique.values())


def _expertise_tag_create(name: str) -> ExpertiseTag:
    # "C" and "C++" share the slug "c": a tag's slug gets a number rather than merging tags
    # that differ only in punctuation. Names without a-z letters ("中文") get "tag-N".
    base = slugify(name)[:34] or "tag"
    for attempt in range(1, 50):
        slug = base if attempt == 1 and base != "tag" else f"{base}-{attempt}"
        if ExpertiseTag.objects.filter(slug=slug).exists():
            continue
        tag = ExpertiseTag(name=name, slug=slug)
        tag.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                tag.save()
        except IntegrityError:
            # Someone created the same name (or took the slug) a moment ago.
            existing = ExpertiseTag.objects.filter(name__iexact=name).first()
            if existing is not None:
                return existing
            continue
        return tag
    raise ValidationError(f"Could not save the tag “{name}”. Please try another name.")


def expertise_tags_resolve(names: list[str]) -> list[ExpertiseTag]:
    """The tags for these names, reusing existing ones whatever their case ("python" joins
    "Python"), creating the rest."""
    if not names:
        return []
    condition = Q()
    for name in names:
        condition |= Q(name__iexact=name)
    existing = {tag.name.casefold(): tag for tag in ExpertiseTag.objects.filter(condition)}
    return [existing.get(name.casefold()) or _expertise_tag_create(name) for name in names]


def _storage_delete_quietly(name: str) -> None:
    # After commit: the row no longer points at the file. A missing file is not an error.
    if name and default_storage.exists(name):
        default_storage.delete(name)


@transaction.atomic
def profile_update(*, user: User, actor: User, **fields: Any) -> Profile:
    """Change any of UPDATABLE_FIELDS on `user`'s profile (display_name lives on the User).

    `bio` is rendered to bio_html here; `expertise` is a list of tag names that replaces the
    current set; `avatar` is an uploaded file, validated and re-encoded (a stored name is
    generated, the uploaded one is never used); `avatar_remove=True` drops the avatar. A
    replaced or removed avatar file is deleted from storage after commit.

    Raises PermissionDenied unless `actor` is the member or may change any profile, and
    ValidationError (keyed by field) before anything is written when an input is invalid."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"profile_update() got unknown fields: {sorted(unknown)}")
    check_edit_profile(actor, user)
    if user.erased_at:
        raise ValidationError("This account was erased; its profile can't be edited.")

    profile_get_or_create(user=user)
    # Locked so two saves of the same profile (two tabs) apply one after the other.
    profile = Profile.objects.select_for_update().get(user=user)
    errors: dict[str, list[ValidationError]] = {}

    for name in (*PROFILE_TEXT_FIELDS, *VISIBILITY_FIELDS):
        if name in fields:
            value = fields[name]
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
    if "bio" in fields:
        profile.bio_html = render_markdown(profile.bio)

    if "social_links" in fields:
        try:
            profile.social_links = social_links_validate(fields["social_links"] or [])
        except ValidationError as exc:
            errors["social_links"] = exc.error_list

    expertise_names: list[str] | None = None
    if "expertise" in fields:
        try:
            expertise_names = expertise_names_validate(fields["expertise"] or [])
        except ValidationError as exc:
            errors["expertise"] = exc.error_list

    new_avatar = None
    if fields.get("avatar"):
        try:
            new_avatar = image_normalize(
                fields["avatar"],
                max_bytes=AVATAR_MAX_BYTES,
                max_size=AVATAR_MAX_SIZE,
                name_prefix="avatar",
            )
        except ValidationError as exc:
            errors["avatar"] = exc.error_list

    original_display_name = user.display_name
    if "display_name" in fields:
        user.display_name = " ".join(str(fields["display_name"] or "").split())
        try:
            user.full_clean(
                exclude=[f.name for f in User._meta.fields if f.name != "display_name"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)

    try:
        profile.full_clean(exclude=["user", "expertise", "avatar"], validate_unique=False)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(name, []).extend(field_errors)
    if errors:
        # `user` is often request.user: the page re-rendered with the errors must still show
        # the stored name.
        user.display_name = original_display_name
        raise ValidationError(errors)

    old_avatar = profile.avatar.name if profile.avatar else ""
    if new_avatar is not None:
        # Every input was validated above, so the file is written only when the row is
        # about to be saved with it.
        profile.avatar.save(new_avatar.name, new_avatar, save=False)
    elif fields.get("avatar_remove"):
        profile.avatar = ""
    if old_avatar and old_avatar != (profile.avatar.name if profile.avatar else ""):
        transaction.on_commit(lambda: _storage_delete_quietly(old_avatar))

    profile.save()
    if "display_name" in fields:
        user.save(update_fields=["display_name", "updated_at"])
    if expertise_names is not None:
        profile.expertise.set(expertise_tags_resolve(expertise_names))
    # Their card in the directory and their profile page, for everyone at once.
    member_pages_changed(user_ids=[user.pk])
    return profile
