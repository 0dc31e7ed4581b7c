"""Writes with business rules, one module per concern. Import from the module itself
(`from members.services.groups import group_join`); the names below are re-exported only
for the account services that existed before the package."""

from members.services.accounts import (
    member_onboard,
    member_roles_set,
    member_welcome_email_send,
)

__all__ = ["member_onboard", "member_roles_set", "member_welcome_email_send"]
