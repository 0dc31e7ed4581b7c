import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from community.markdown import render_markdown
from forums.models import CategoryAccess
from forums.services.categories import category_access_grant
from tests.members.factories import UserFactory


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = "forums.Category"

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = factory.Faker("sentence")

    class Params:
        members = factory.Trait(access=CategoryAccess.MEMBERS)
        private = factory.Trait(access=CategoryAccess.PRIVATE)
        qa = factory.Trait(is_qa=True)


class TopicFactory(DjangoModelFactory):
    """A topic with its opening post (no counters: services own those)."""

    class Meta:
        model = "forums.Topic"
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    author = factory.SubFactory(UserFactory)
    author_name = factory.LazyAttribute(lambda o: o.author.public_name if o.author else "")
    title = factory.Faker("sentence", nb_words=5)
    slug = factory.Sequence(lambda n: f"topic-{n}")
    last_post_at = factory.LazyFunction(timezone.now)
    last_poster = factory.SelfAttribute("author")
    last_poster_name = factory.SelfAttribute("author_name")

    class Params:
        pinned = factory.Trait(is_pinned=True)
        locked = factory.Trait(is_locked=True)
        hidden = factory.Trait(is_hidden=True)

    @factory.post_generation
    def opening_post(obj, create, extracted, **kwargs):
        if create:
            PostFactory(topic=obj, author=obj.author, is_opening=True, **kwargs)


class PostFactory(DjangoModelFactory):
    class Meta:
        model = "forums.Post"

    topic = factory.SubFactory(TopicFactory)
    author = factory.SubFactory(UserFactory)
    author_name = factory.LazyAttribute(lambda o: o.author.public_name if o.author else "")
    body = factory.Faker("paragraph")
    html = factory.LazyAttribute(lambda o: render_markdown(o.body))


def private_category_for(*users, **kwargs):
    """A private category opened (guardian view_category) to a new auth Group of `users`."""
    category = CategoryFactory(private=True, **kwargs)
    group = Group.objects.create(name=f"Group for {category.slug}")
    group.user_set.add(*users)
    category_access_grant(category=category, group=group)
    return category
