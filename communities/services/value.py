"""The monthly value report: each sponsor hears once a month what their community created.

The beat task ``communities.tasks.send_monthly_value_reports`` runs daily. For every community and
each of its sponsors it sends last month's report once per calendar month (months as they fall in
the community's time zone). The claim is a conditional insert: a ``ValueReportDelivery`` row, unique
per (community, sponsor, month), written in the same transaction as the notification and the
outbox email, so two runs — or two workers at once — send one email. The email respects the
sponsor's preference for "Value reports" (immediately, in the daily digest, or in the portal only).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from communities.models import Category, Community, Membership, Role, User, ValueReportDelivery
from communities.selectors.report_figures import Figure, report_figures
from communities.selectors.report_periods import MONTH, ReportPeriod, report_period
from communities.services.notify import notify

log = logging.getLogger(__name__)

# The figures the notification's one-line summary picks, in this order, when a section offers them.
HEADLINE = ("funnel.asked", "funnel.answered", "funnel.outcome_reported", "stories.count", "participation.active")


def report_month(community: Community, *, now: datetime) -> date:
    """The first day of the current calendar month where the community lives."""
    return now.astimezone(community.tzinfo).date().replace(day=1)


def report_url(community: Community, period: ReportPeriod) -> str:
    path = reverse("communities:value", kwargs={"slug": community.slug})
    return f"{path}?{urlencode(period.query_params())}"


def _plain(figure: Figure) -> dict:
    """A figure as plain text (the email's context must survive JSON encoding)."""
    return {
        "key": figure.key,
        "label": figure.label,
        "value": figure.display,
        "previous": figure.previous_display,
        "change": figure.change,
        "arrow": figure.arrow,
        "better": figure.is_better,
    }


def value_report_summary(community: Community, period: ReportPeriod) -> dict:
    """The report's figures as plain text for the email, and a one-line summary (the page's queries)."""
    parts = [
        {"title": group.title, "figures": [_plain(f) for f in group.figures]}
        for _, group in report_figures(community, period)
        if group.figures
    ]
    by_key = {f["key"]: f for part in parts for f in part["figures"]}
    headline = "; ".join(f"{by_key[k]['label']}: {by_key[k]['value']}" for k in HEADLINE if k in by_key)
    return {"sections": parts, "headline": headline}


def _sponsors_waiting(community: Community, month: date) -> list[Membership]:
    """Sponsors (active accounts) of ``community`` without this month's report yet (one query)."""
    delivered = ValueReportDelivery.objects.filter(community=community, month=month).values("user_id")
    return list(
        Membership.objects.filter(community=community, role=Role.SPONSOR, user__is_active=True)
        .exclude(user_id__in=delivered)
        .select_related("user")
        .order_by("pk")
    )


def value_report_deliver(
    *, community: Community, user: User, month: date, period: ReportPeriod, summary: dict, now: datetime
) -> bool:
    """Claim (community, user, month) and notify the sponsor; False when it was claimed already."""
    title = f"Value report for {period.title}: {community.name}"
    try:
        with transaction.atomic():
            ValueReportDelivery.objects.create(community=community, user=user, month=month, created_at=now)
            notify(
                recipients=[user],
                category=Category.REPORTS,
                title=title,
                body=summary["headline"],
                url=report_url(community, period),
                community=community,
                email_template="value_report",
                email_context={
                    "period_title": period.title,
                    "period_label": period.current.label,
                    "previous_label": period.previous.label,
                    "sections": summary["sections"],
                },
                now=now,
            )
    except IntegrityError:
        return False  # another run or worker claimed this sponsor's report for the month
    return True


def value_reports_send_monthly(*, now: datetime | None = None) -> int:
    """Send last month's value report to every sponsor who has not had this month's; return how many."""
    now = now or timezone.now()
    sent = 0
    community_ids = Membership.objects.filter(role=Role.SPONSOR, user__is_active=True).values_list(
        "community_id", flat=True
    )
    for community in Community.objects.filter(pk__in=community_ids).order_by("pk"):
        month = report_month(community, now=now)
        period = report_period(community, preset=MONTH, now=now)
        if community.created_at >= period.end:
            continue  # the community did not exist yet in the month the report would cover
        waiting = _sponsors_waiting(community, month)
        if not waiting:
            continue
        summary = value_report_summary(community, period)
        for membership in waiting:
            if value_report_deliver(
                community=community, user=membership.user, month=month, period=period, summary=summary, now=now
            ):
                sent += 1
    if sent:
        log.info("sent %s monthly value reports", sent)
    return sent
