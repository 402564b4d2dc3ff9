"""Models of the practice app, one module per area."""

from .requests import (
    EDIT_WINDOW,
    Advice,
    AdviceResponse,
    DiscussionComment,
    HelpRequest,
    Kudos,
    Nudge,
)

__all__ = [
    "EDIT_WINDOW",
    "Advice",
    "AdviceResponse",
    "DiscussionComment",
    "HelpRequest",
    "Kudos",
    "Nudge",
]
