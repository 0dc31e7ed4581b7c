import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from members import roles as member_roles

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = "members.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """UserFactory(verified=False) leaves the e-mail address unconfirmed."""
        if not create:
            return
        obj.save()
        EmailAddress.objects.create(
            user=obj, email=obj.email, primary=True, verified=extracted is not False
        )

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """UserFactory(roles=["Executives"]) adds roles on top of Members."""
        if not create:
            return
        from members.services import member_roles_set

        member_roles_set(user=obj, role_names=[member_roles.MEMBERS, *(extracted or [])])


def role_group(name: str) -> Group:
    return Group.objects.get(name=name)
