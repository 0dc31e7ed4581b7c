ANONYMOUS_USER_NAME = "AnonymousUser"  # guardian creates this row after migrate
GUARDIAN_RAISE_403 = True
