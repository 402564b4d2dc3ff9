"""The kinds of contribution the value report's participation figures count, from every app.

Each app registers its kinds with :func:`contribution_source` (``practice`` in ``practice/selectors/value.py``);
:func:`contributions_sql` combines the rows of every kind in one SQL ``UNION ALL``, so ``communities``
never imports ``practice``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Min, Q, QuerySet

from communities.models import Community, InquiryContribution, VibrancyScore, VisionComment, VisionDraft, VisionStance

# fn(community, since, until) -> rows (user id, moment) of one kind of contribution in [since, until).
ContributionSource = Callable[[Community, datetime, datetime], QuerySet]
_SOURCES: dict[str, ContributionSource] = {}


def contribution_source(name: str) -> Callable[[ContributionSource], ContributionSource]:
    """Register a kind of contribution for the participation figures.

    The function returns ``Model.objects.filter(…).values_list(<user id>, <moment>)`` restricted to
    the community and to ``since <= moment < until``; the rows of every source are combined in SQL.
    """

    def decorator(fn: ContributionSource) -> ContributionSource:
        _SOURCES[name] = fn
        return fn

    return decorator


def contribution_sources() -> dict[str, ContributionSource]:
    return dict(_SOURCES)


def contribution_rows(
    name: str, model, community: str, *, user: str = "author", at: str = "created_at", exclude: Q | None = None
) -> None:
    """Register ``model``'s rows as a kind of contribution: ``community`` is the lookup from a row to its
    community, ``user`` the contributor's foreign key (rows without one are left out), ``at`` its moment;
    rows matching ``exclude`` are never anyone's contribution (what a member posted anonymously)."""

    def source(of: Community, since: datetime, until: datetime) -> QuerySet:
        where = {community: of, f"{user}__isnull": False, f"{at}__gte": since, f"{at}__lt": until}
        rows = model.objects.filter(**where)
        if exclude is not None:
            rows = rows.exclude(exclude)
        return rows.values_list(f"{user}_id", at)

    _SOURCES[name] = source


contribution_rows("vision drafts", VisionDraft, "community")
contribution_rows("vision stances", VisionStance, "draft__community", user="user")
contribution_rows("vision comments", VisionComment, "draft__community")
contribution_rows("appreciative inquiry", InquiryContribution, "inquiry__community")


@contribution_source("vibrancy ratings")
def _vibrancy_ratings(community: Community, since: datetime, until: datetime) -> QuerySet:
    # One contribution per member and round (not per slider), at their first save in the round.
    return (
        VibrancyScore.objects.filter(round__community=community)
        .values("round_id", "user_id")
        .annotate(first=Min("created_at"))
        .filter(first__gte=since, first__lt=until)
        .values_list("user_id", "first")
    )


def contributions_sql(community: Community, since: datetime, until: datetime) -> tuple[str, list]:
    """Every source's rows for [since, until) as one SQL ``UNION ALL`` and its parameters."""
    parts, params = [], []
    for fn in _SOURCES.values():
        sql, part_params = fn(community, since, until).order_by().query.sql_with_params()
        parts.append(sql)
        params += list(part_params)
    return " UNION ALL ".join(parts), params
