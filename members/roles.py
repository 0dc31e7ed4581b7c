"""The four roles are Django auth groups (created by migration 0002_roles). Their names are
referenced here so code never spells them twice."""

MEMBERS = "Members"
MODERATORS = "Moderators"
COMMUNITY_MANAGERS = "Community managers"
EXECUTIVES = "Executives"

ALL_ROLES = (MEMBERS, MODERATORS, COMMUNITY_MANAGERS, EXECUTIVES)
# Roles that work in the Django admin, so their accounts are staff.
STAFF_ROLES = frozenset({COMMUNITY_MANAGERS})
