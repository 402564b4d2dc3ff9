"""Confidentiality: what the portal records when a member vouches that a possible identifier is not one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from childsys.lib.phi import Finding
from communities.models import Community, User
from communities.services.community import activity_record


def phi_confirmations_record(
    *,
    community: Community,
    user: User,
    findings: Iterable[Finding],
    where: str,
    anonymous: bool = False,
    now: datetime | None = None,
) -> int:
    """Log each "this is not patient information" confirmation for the facilitators.

    The log names the kind of identifier and where it was posted, never the matched text. Returns the
    number of entries written. ``anonymous``: the writer posts anonymously there, so the log names nobody.
    """
    written = 0
    who = "A member (anonymous)" if anonymous else str(user)
    for finding in findings:
        activity_record(
            community=community,
            actor=None if anonymous else user,
            action="privacy.not_phi",
            summary=f"{who} confirmed that what looked like {finding.label} in {where} is not patient information",
            now=now,
        )
        written += 1
    return written
