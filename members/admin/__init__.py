from members.admin import users  # noqa: F401
