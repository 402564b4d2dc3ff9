"""Models of the communities app, one module per area."""

from .community import ActivityLog, Community, Membership, Role, Tag
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
)
from .members import Invitation, JoinRequest
from .notifications import Category, EmailMode, Notification, NotificationPreference, OutboundEmail
from .users import User
from .vibrancy import Dimension, FocusDimension, VibrancyRound, VibrancyScore, VibrancyTally

__all__ = [
    "ActivityLog",
    "Alignment",
    "AppreciativeInquiry",
    "InquiryContribution",
    "Objective",
    "Phase",
    "PurposeVersion",
    "StrategyVersion",
    "ValueProposition",
    "VisionComment",
    "VisionDraft",
    "VisionStance",
    "Category",
    "EmailMode",
    "Invitation",
    "JoinRequest",
    "Community",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OutboundEmail",
    "Role",
    "Tag",
    "User",
    "Dimension",
    "FocusDimension",
    "VibrancyRound",
    "VibrancyScore",
    "VibrancyTally",
]
