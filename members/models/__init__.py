from members.models.activity import Follow, MemberVisit
from members.models.approvals import MemberApplication
from members.models.groups import (
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    GroupProfileGroupObjectPermission,
    GroupProfileUserObjectPermission,
    GroupVisibility,
    JoinPolicy,
    RequestStatus,
)
from members.models.profile import VISIBLE_FIELDS, ExpertiseTag, Profile, Visibility
from members.models.reciprocity import ShoutOut, SupportAct, SupportKind
from members.models.trust import TrustLevelChange
from members.models.user import ApprovalStatus, TrustLevel, User

__all__ = [
    "VISIBLE_FIELDS",
    "ApprovalStatus",
    "ExpertiseTag",
    "Follow",
    "GroupInvitation",
    "GroupMembershipRequest",
    "GroupProfile",
    "GroupProfileGroupObjectPermission",
    "GroupProfileUserObjectPermission",
    "GroupVisibility",
    "JoinPolicy",
    "MemberApplication",
    "MemberVisit",
    "Profile",
    "RequestStatus",
    "ShoutOut",
    "SupportAct",
    "SupportKind",
    "TrustLevel",
    "TrustLevelChange",
    "User",
    "Visibility",
]
