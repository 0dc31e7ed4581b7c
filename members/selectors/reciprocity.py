def shout_outs_for_profile(*, profile_user, viewer) -> list:
    """Placeholder until reciprocity lands: the shout-outs shown on a profile."""
    return []
