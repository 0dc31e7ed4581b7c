"""Stored addresses in the one normal form sign-up now uses (members.validators.email_normalise).

Before it, sign-up and "add an address" stored what was typed, lower-cased: a quoted local part
("maya"@acme.example) or a Unicode domain (maya@bücher.example) was kept as such, so a second
account could hold another spelling of a mailbox, and such an address would not be found by
the new comparison. This rewrites every stored spelling whose normal form nobody holds yet;
one whose normal form another row already holds is a second account for one mailbox, which
cannot be merged automatically: it is left as it is and named in the migration's output for
a community manager to resolve in the admin."""

from django.core.exceptions import ValidationError
from django.db import migrations
from django.db.models import Q

from members.validators import email_normalise

# Candidates only: a quote, a character outside printable ASCII or an upper-case letter.
_MAYBE_NOT_NORMAL = Q(email__contains='"') | Q(email__regex=r"[^ -~]|[A-Z]")


def _normal(address):
    try:
        return email_normalise(address)
    except ValidationError:
        return address  # too long or no IDNA form: left for the member to change


def normalise_stored_addresses(apps, schema_editor):
    EmailAddress = apps.get_model("account", "EmailAddress")
    User = apps.get_model("members", "User")
    GroupInvitation = apps.get_model("members", "GroupInvitation")

    for row in EmailAddress.objects.filter(_MAYBE_NOT_NORMAL).order_by("pk"):
        normal = _normal(row.email)
        if normal == row.email:
            continue
        if EmailAddress.objects.filter(email__iexact=normal).exists():
            print(f"\n  Left as is: {row.email!r} (user {row.user_id}); {normal!r} is taken.")
            continue
        EmailAddress.objects.filter(pk=row.pk).update(email=normal)

    for user in User.objects.filter(_MAYBE_NOT_NORMAL).order_by("pk"):
        normal = _normal(user.email)
        if normal == user.email:
            continue
        if User.objects.filter(email__iexact=normal).exclude(pk=user.pk).exists():
            print(f"\n  Left as is: {user.email!r} (user {user.pk}); {normal!r} is taken.")
            continue
        User.objects.filter(pk=user.pk).update(email=normal)

    for invitation in GroupInvitation.objects.filter(_MAYBE_NOT_NORMAL).order_by("pk"):
        normal = _normal(invitation.email)
        if normal != invitation.email:
            GroupInvitation.objects.filter(pk=invitation.pk).update(email=normal)


class Migration(migrations.Migration):
    dependencies = [
        ("account", "0009_emailaddress_unique_primary_email"),
        ("members", "0007_user_helpful_score"),
    ]

    # The old spellings are not kept: going back leaves the normal forms, which still work.
    operations = [migrations.RunPython(normalise_stored_addresses, migrations.RunPython.noop)]
