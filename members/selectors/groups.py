def groups_for_profile(*, profile_user, viewer) -> list:
    """Placeholder until groups land: the groups shown on a profile (hidden groups only to
    those who may see them)."""
    return []
