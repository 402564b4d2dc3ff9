"""Models of the practice app, one module per area."""

from .inbound import InboundEmail
from .learning import (
    ALL_TEXT_FIELDS,
    KIND_FIELDS,
    Artefact,
    ArtefactVersion,
    NewcomerPathItem,
    NewcomerPathRead,
)
from .loops import MAX_POSTPONEMENTS, FollowUp, FollowUpReminder, Outcome
from .privacy import PrivacyFlag
from .requests import (
    EDIT_WINDOW,
    Advice,
    AdviceResponse,
    DiscussionComment,
    HelpRequest,
    Kudos,
    Nudge,
)
from .sessions import (
    CalendarFeed,
    PracticeSession,
    SessionAgendaItem,
    SessionAttendance,
    SessionReminder,
    SessionRSVP,
)

__all__ = [
    "ALL_TEXT_FIELDS",
    "EDIT_WINDOW",
    "KIND_FIELDS",
    "MAX_POSTPONEMENTS",
    "Advice",
    "AdviceResponse",
    "Artefact",
    "ArtefactVersion",
    "CalendarFeed",
    "DiscussionComment",
    "FollowUp",
    "FollowUpReminder",
    "HelpRequest",
    "InboundEmail",
    "Kudos",
    "NewcomerPathItem",
    "NewcomerPathRead",
    "Nudge",
    "Outcome",
    "PracticeSession",
    "PrivacyFlag",
    "SessionAgendaItem",
    "SessionAttendance",
    "SessionRSVP",
    "SessionReminder",
]
