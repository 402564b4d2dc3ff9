"""Models of the communities app, one module per area."""

from .community import ActivityLog, Community, Membership, Role, Tag
from .members import Invitation, JoinRequest
from .notifications import Category, EmailMode, Notification, NotificationPreference, OutboundEmail
from .users import User

__all__ = [
    "ActivityLog",
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
]
