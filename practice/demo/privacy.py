"""Demo privacy concerns: a piece of advice a facilitator redacted (with its note), and one concern still open."""

from __future__ import annotations

from datetime import timedelta

from communities.demo.core import Demo
from practice.models import Advice, HelpRequest, PrivacyFlag
from practice.services import privacy
from practice.services import requests as services


def seed(demo: Demo) -> None:
    community = demo.community
    if PrivacyFlag.objects.filter(community=community).exists():
        return
    posted_before = demo.now - timedelta(days=2)
    requests = list(
        HelpRequest.objects.filter(community=community, hidden_at=None, created_at__lt=posted_before)
        .filter(status__in=[HelpRequest.Status.OPEN, HelpRequest.Status.ANSWERED])
        .exclude(author__in=[demo.users["chen"], demo.users["esra"]])
        .order_by("created_at")
    )
    if len(requests) < 2:
        return
    users, hour = demo.users, timedelta(hours=1)
    facilitator = users["facilitator"]
    # Advice that named a patient's NHS number: reported, then redacted (the post shows the note).
    at = demo.now - 30 * hour
    named = services.advice_create(
        help_request=requests[0],
        author=users["chen"],
        body="We had the same with the patient with NHS number 943 476 5919: a second check by phone worked.",
        now=at,
    )
    flag = privacy.privacy_flag_create(post=named, reporter=users["daan"], kind=PrivacyFlag.Kind.PATIENT,
                                       reason="It names an NHS number.", now=at + hour)  # fmt: skip
    privacy.privacy_flag_redact(
        flag=flag,
        actor=facilitator,
        texts={"body": "We had the same with one patient: a second check by phone worked."},
        now=at + 3 * hour,
    )
    # A concern still open in the facilitators' review queue.
    advice = Advice.objects.filter(request=requests[1], hidden_at=None).exclude(pk=named.pk).first()
    if advice is None:
        advice = services.advice_create(
            help_request=requests[1], author=users["esra"],
            body="The ward manager of bed 4 on ward 7B has the details of her case.", now=demo.now - 5 * hour,
        )  # fmt: skip
    privacy.privacy_flag_create(post=advice, reporter=users["gwen"], kind=PrivacyFlag.Kind.CONFIDENTIAL,
                                reason="Mentions a colleague's case.", now=demo.now - 2 * hour)  # fmt: skip
