"""django-allauth: log in by e-mail, a public handle chosen at sign-up, mandatory verification."""

import environ

env = environ.Env()

ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.accounts.SignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a GET (mail scanners prefetch links) must not confirm
ACCOUNT_CHANGE_EMAIL = True  # one address per member; changing it verifies the new one first
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell members when their password or e-mail changes
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "members.validators.username_validators"
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_SESSION_REMEMBER = None  # let the member choose "Remember me"
# Merged over allauth's defaults (STACK.md §D). Counters live in the cache: Redis in production.
ACCOUNT_RATE_LIMITS = {
    "signup": env("RATE_LIMIT_SIGNUP", default="5/h/ip"),
    "login_failed": "10/m/ip,5/5m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Hearth")
