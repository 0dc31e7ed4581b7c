import pytest
from django.db import transaction

from members.models import ShoutOut, SupportAct, SupportKind
from members.services.reciprocity import support_act_record
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return UserFactory(), UserFactory()


def test_recording_the_same_act_twice_keeps_one_row(pair):
    giver, receiver = pair
    target = ShoutOut.objects.create(author=giver, recipient=receiver, message="hi")

    first = support_act_record(
        giver=giver, receiver=receiver, kind=SupportKind.REACTION, target=target
    )
    with transaction.atomic():  # a caller's own transaction survives the duplicate
        again = support_act_record(
            giver=giver, receiver=receiver, kind=SupportKind.REACTION, target=target
        )

    assert SupportAct.objects.count() == 1
    assert again.pk == first.pk


def test_support_given_to_yourself_is_not_recorded(pair):
    giver, _ = pair

    assert support_act_record(giver=giver, receiver=giver, kind=SupportKind.REPLY) is None
    assert not SupportAct.objects.exists()


def test_an_unknown_kind_is_a_programming_error(pair):
    with pytest.raises(ValueError, match="Unknown support kind"):
        support_act_record(giver=pair[0], receiver=pair[1], kind="hug")
