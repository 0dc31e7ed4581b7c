"""Django's and allauth's authentication backends, loading the signed-in member for each
request with a key lookup compiled once (community.db.KeyLookup) instead of a queryset
compiled every time: that lookup runs on every page a member opens."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from community.db import KeyLookup

user_by_key = KeyLookup(lambda: get_user_model()._default_manager.all())


class _UserByKey:
    def get_user(self, user_id):
        user = user_by_key.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_UserByKey, DjangoModelBackend):
    pass


class AuthenticationBackend(_UserByKey, AllauthBackend):
    pass
