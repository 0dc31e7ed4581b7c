"""django-allauth: log in by e-mail, a public handle chosen at sign-up, mandatory verification."""

import environ

env = environ.Env()

ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.accounts.SignupForm"
ACCOUNT_FORMS = {
    "signup": "members.forms.signup.HearthSignupForm",  # the honeypot hidden without overflow
    "login": "members.forms.login.LoginForm",
    "request_login_code": "members.forms.login.RequestLoginCodeForm",
}
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
# A one-time code e-mailed to the address signs the member in without the password: the way
# in that wrong passwords typed by someone else cannot close (docs/decisions.md).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Merged over allauth's defaults. Counters live in the cache: Redis in production.
# `login_failed` counts wrong passwords per IP and per address; the per-address part is what
# stops guessing spread over many IPs, and the sign-in code is how the owner gets past it.
ACCOUNT_RATE_LIMITS = {
    "signup": env("RATE_LIMIT_SIGNUP", default="5/h/ip"),
    "login_failed": "10/m/ip,5/5m/key",
}
# The client's IP for every per-IP limit: behind N reverse proxies of ours, the Nth address
# from the right of X-Forwarded-For; 0 reads REMOTE_ADDR (which behind a proxy is the proxy).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
# Or a header a trusted proxy sets to the client's address alone (CF-Connecting-IP, X-Real-IP).
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default=None)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Hearth")
