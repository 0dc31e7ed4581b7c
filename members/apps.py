from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from community.per_request import member_prefetch_register
        from members import signals  # noqa: F401 - access versions for writes outside services
        from members.access import access_version_keys
        from members.selectors.reciprocity import ledger_version_key

        # Compared with by every cached permission answer a member's page reads.
        member_prefetch_register(access_version_keys, kept=True)
        # The home page's supporters to thank.
        member_prefetch_register(lambda user_id: [ledger_version_key(user_id)])
