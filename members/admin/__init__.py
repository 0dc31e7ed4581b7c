from members.admin import (
    approvals,  # noqa: F401
    data,  # noqa: F401
    groups,  # noqa: F401
    users,  # noqa: F401
)
