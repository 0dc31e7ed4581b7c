from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo community behind `make run` and `make seed`: Acme's branding, one log-in
    per role, generated members, groups, forum history, polls and a content library, and
    the commands that seed and list them. It sits on top of every other app and nothing
    imports it, so a site can leave it out of INSTALLED_APPS without losing anything but
    `seed_demo` and `demo_logins`."""

    name = "demo"
    verbose_name = "Demo community"
