"""Models of the communities app, one module per area."""

from .community import ActivityLog, Community, Membership, Role, Tag
from .data_export import DataExport
from .direction import (
    Alignment,
    AppreciativeInquiry,
    InquiryContribution,
    Objective,
    Phase,
    PurposeVersion,
    StrategyVersion,
    ValueProposition,
    VisionComment,
    VisionDraft,
    VisionStance,
    VisionStanceChange,
)
from .members import Invitation, JoinRequest
from .notifications import (
    ALWAYS_SENT,
    DIGESTS,
    Category,
    EmailMode,
    Notification,
    NotificationPreference,
    OutboundEmail,
)
from .security import SecurityEvent
from .submissions import Submission
from .users import User
from .value import ValueReportDelivery
from .vibrancy import Dimension, FocusDimension, VibrancyRound, VibrancyScore, VibrancyTally

__all__ = [
    "ALWAYS_SENT",
    "DIGESTS",
    "ActivityLog",
    "Alignment",
    "AppreciativeInquiry",
    "Category",
    "Community",
    "DataExport",
    "Dimension",
    "EmailMode",
    "FocusDimension",
    "InquiryContribution",
    "Invitation",
    "JoinRequest",
    "Membership",
    "Notification",
    "NotificationPreference",
    "Objective",
    "OutboundEmail",
    "Phase",
    "PurposeVersion",
    "Role",
    "SecurityEvent",
    "StrategyVersion",
    "Submission",
    "Tag",
    "User",
    "ValueProposition",
    "ValueReportDelivery",
    "VibrancyRound",
    "VibrancyScore",
    "VibrancyTally",
    "VisionComment",
    "VisionDraft",
    "VisionStance",
    "VisionStanceChange",
]
