"""Reads of the learning loops: the loop on the request page, and the dashboard's loop figures.

Every function costs a fixed number of queries, whatever the number of loops or outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from communities.models import Community, User
from practice.models import FollowUp, HelpRequest, Kudos, Outcome
from practice.selectors.requests import funnel_steps, value_funnel

LOOPS_DAYS = 90


def request_loop(*, help_request: HelpRequest, user: User) -> dict:
    """The follow-up and outcome of one request for its page (three queries).

    ``helped_ids`` are the ids of the advice the asker said helped.
    """
    follow_up = FollowUp.objects.filter(request=help_request).first()
    outcome = (
        Outcome.objects.filter(request=help_request)
        .select_related("author")
        .annotate(
            kudos_count=Count("kudos", distinct=True),
            my_kudos=Exists(Kudos.objects.filter(outcome=OuterRef("pk"), user=user)),
        )
        .first()
    )
    helped_ids: set[int] = set()
    if outcome is not None:
        helped_ids = set(outcome.helpful_advice.values_list("pk", flat=True))
    return {"follow_up": follow_up, "outcome": outcome, "helped_ids": helped_ids}


@dataclass
class LoopFigures:
    period_days: int
    funnel: dict
    states: dict[str, int]
    outcomes_by_result: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def closure_rate(self) -> float | None:
        """Share of requests with advice taken whose outcome was reported (docs/metrics.md)."""
        taken = self.funnel["advice_taken"]
        return self.funnel["outcome_reported"] / taken if taken else None

    @property
    def lapsed(self) -> int:
        return self.states.get(FollowUp.State.LAPSED, 0)

    @property
    def open(self) -> int:
        return self.states.get(FollowUp.State.SCHEDULED, 0) + self.states.get(FollowUp.State.REMINDED, 0)

    @property
    def steps(self) -> list[dict]:
        return funnel_steps(self.funnel)


def loop_figures(*, community: Community, now: datetime | None = None, days: int = LOOPS_DAYS) -> LoopFigures:
    """Loop closure rate, loops by state (lapsed…), outcomes by result and the value funnel (three queries).

    The period is on request creation time, like the funnel.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    period = Q(request__created_at__gte=since, request__created_at__lt=now, request__hidden_at__isnull=True)
    states = dict(
        FollowUp.objects.filter(period, community=community)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    counts = dict(
        Outcome.objects.filter(period, community=community)
        .values_list("result")
        .annotate(n=Count("id"))
        .values_list("result", "n")
    )
    by_result = [
        (value, label, counts.get(value, 0)) for value, label in Outcome.Result.choices if value in Outcome.CLOSING
    ]
    return LoopFigures(
        period_days=days,
        funnel=value_funnel(community, since=since, until=now),
        states=states,
        outcomes_by_result=by_result,
    )
