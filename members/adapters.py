from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.shortcuts import redirect

from community.links import absolute_url_on_site
from community.selectors import branding_get
from members.forms.accounts import SignupForm
from members.landing import login_landing
from members.models import ApprovalStatus
from members.services.accounts import member_onboard
from members.validators import email_normalise

PENDING_STATUS_SESSION_KEY = "members:approval_status"

# Shown when allauth's `login_failed` limit refuses a password: the limit per address stops
# guessing from many IPs, so it also refuses the owner's right password; the page must say
# how the owner still gets in (docs/decisions.md, "Failed log-ins throttle the guesser").
LOGIN_THROTTLED_MESSAGE = (
    "Too many wrong passwords have been tried for this address or from your network, so "
    "password sign-in is paused for a few minutes. You can still get in now: choose "
    "\u201cSend me a sign-in code\u201d to receive a one-time code by e-mail, or reset your "
    "password."
)


class AccountAdapter(DefaultAccountAdapter):
    """The one place where allauth meets Hearth."""

    def save_user(self, request, user, form, commit=True):
        approval_needed = branding_get().approve_new_members
        user = super().save_user(request, user, form, commit=False)
        if approval_needed:
            user.approval_status = ApprovalStatus.PENDING
        if commit:
            user.save()
            application = None
            if approval_needed:
                application = {
                    name: form.cleaned_data.get(name, "") for name in SignupForm.APPLICATION_FIELDS
                }
            member_onboard(user=user, application=application)
        return user

    def login(self, request, user):
        # Runs after e-mail verification: a sign-up that waits for a community manager (or
        # was declined) is told so instead of being let in.
        if user.approval_status != ApprovalStatus.APPROVED:
            request.session[PENDING_STATUS_SESSION_KEY] = user.approval_status
            raise ImmediateHttpResponse(redirect("account-pending"))
        super().login(request, user)

    def get_login_redirect_url(self, request):
        # allauth asks only when the sign-in carried no `next`, so an explicit page wins.
        return login_landing(request.user) or super().get_login_redirect_url(request)

    def clean_email(self, email: str) -> str:
        # allauth calls this for sign-up, adding an address and password resets, before its
        # uniqueness check: the check then compares normal forms.
        return email_normalise(email)

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:
            raise forms.ValidationError(LOGIN_THROTTLED_MESSAGE, code=error.code) from None

    def send_mail(self, template_prefix, email, context):
        # allauth builds its links (confirm, reset, sign up) from the request's host; every
        # e-mail of Hearth's links to SITE_URL instead, whoever's request sent it.
        context = {
            key: absolute_url_on_site(value)
            if key.endswith("_url") and isinstance(value, str)
            else value
            for key, value in context.items()
        }
        return super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        return f"[{branding_get().community_name}] {subject}"
