from allauth.account.adapter import DefaultAccountAdapter

from community.selectors import branding_get
from members.services import member_onboard


class AccountAdapter(DefaultAccountAdapter):
    """The one place where allauth meets Hearth."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            member_onboard(user=user)
        return user

    def format_email_subject(self, subject: str) -> str:
        return f"[{branding_get().community_name}] {subject}"
