import factory
from factory.django import DjangoModelFactory

from tests.members.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    """A notification row as the services would write it (test set-up only: code under test
    writes through community.notifications)."""

    class Meta:
        model = "community.Notification"

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    kind = "shout_out"
    verb = factory.LazyAttribute(
        lambda o: f"{o.actor.public_name if o.actor else 'Someone'} gave you a shout-out"
    )
    url = factory.LazyAttribute(lambda o: f"/members/{o.recipient.username}/#shout-outs-title")
