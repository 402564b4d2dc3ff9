"""Vibrancy self-assessments: opening and closing rounds, saving slider scores, the focus of a period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from communities.models import (
    Category,
    Community,
    Dimension,
    FocusDimension,
    Membership,
    User,
    VibrancyRound,
    VibrancyScore,
    VibrancyTally,
)
from communities.models.vibrancy import SCORE_MAX, SCORE_MIN, Group, Measure
from communities.selectors import vibrancy as selectors
from communities.services.community import activity_record
from communities.services.notify import notify

COMMENT_MAX = 2000


class RoundClosedError(ValidationError):
    """The round no longer accepts scores."""


@dataclass(frozen=True)
class ScoreEntry:
    """A member's input for one dimension; ``None`` means "not rated (yet)"."""

    now: int | None = None
    should_be: int | None = None
    comment: str = ""

    @property
    def is_empty(self) -> bool:
        return self.now is None and self.should_be is None and not self.comment


def last_day(round_: VibrancyRound, tz: ZoneInfo) -> datetime | None:
    """The last local day a round with a closing date accepts scores (it closes at the next midnight)."""
    if round_.closes_at is None:
        return None
    return (round_.closes_at.astimezone(tz) - timedelta(microseconds=1)).date()


def closes_at_for(day, tz: ZoneInfo) -> datetime:
    """A round that stays open *through* ``day`` (local) closes at the following local midnight."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def _vibrancy_url(community: Community) -> str:
    return reverse("communities:vibrancy", kwargs={"slug": community.slug})


@transaction.atomic
def round_open(
    *,
    community: Community,
    actor: User,
    closes_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> VibrancyRound:
    """Open a self-assessment and tell every member (in the portal, and by email per their preference)."""
    now = now or timezone.now()
    if closes_at is not None and closes_at <= now:
        raise ValidationError({"closes_on": "The closing date must be in the future."})
    if VibrancyRound.objects.filter(community=community, closed_at__isnull=True).exists():
        raise ValidationError("A round is already open. Close it before opening a new one.")
    try:
        with transaction.atomic():
            round_ = VibrancyRound.objects.create(
                community=community, opened_by=actor, opened_at=now, closes_at=closes_at, note=note.strip()
            )
    except IntegrityError:  # another facilitator opened one a moment ago
        raise ValidationError("A round is already open. Close it before opening a new one.") from None
    activity_record(
        community=community,
        actor=actor,
        action="vibrancy.open",
        summary=f"{actor} opened a vibrancy self-assessment",
        now=now,
    )
    members = [m.user for m in Membership.objects.filter(community=community).select_related("user")]
    closes_on = last_day(round_, community.tzinfo)
    body = "Set the sliders for the seven dimensions: where we are now, and where we should be."
    if closes_on:
        body += f" Open until the end of {closes_on:%A %-d %B}."
    notify(
        recipients=members,
        category=Category.VIBRANCY,
        title=f"Rate {community.name}'s vibrancy: a self-assessment is open",
        body=body,
        url=_vibrancy_url(community),
        community=community,
        actor=actor,
        email_template="vibrancy_round_opened",
        email_context={"opened_by": actor.name, "note": round_.note, "closes_on": closes_on},
        now=now,
    )
    return round_


@transaction.atomic
def tally_rebuild(*, round_: VibrancyRound) -> None:
    """Recompute a round's histogram and rater counts from its scores (one GROUP BY, one count)."""
    VibrancyTally.objects.filter(round=round_).delete()
    VibrancyTally.objects.bulk_create(
        VibrancyTally(round=round_, dimension_id=d, measure=m, group=g, value=v, raters=n)
        for d, m, g, v, n in selectors.live_histogram(round_)
    )
    participation = selectors.live_participation(round_)
    round_.raters_count = participation["raters"]
    round_.newcomer_raters_count = participation["newcomer_raters"]
    round_.save(update_fields=["raters_count", "newcomer_raters_count"])


@transaction.atomic
def round_close(*, round_: VibrancyRound, actor: User | None = None, now: datetime | None = None) -> bool:
    """Close a round and freeze its figures; False (and nothing done) when it was already closed.

    The conditional UPDATE decides who closes, so the periodic task and a facilitator's click
    can race safely on SQLite and PostgreSQL.
    """
    now = now or timezone.now()
    if not VibrancyRound.objects.filter(pk=round_.pk, closed_at__isnull=True).update(closed_at=now, closed_by=actor):
        return False
    round_.closed_at, round_.closed_by = now, actor
    # Freeze: the histogram and raters recomputed from the scores as they stand, members as they are.
    tally_rebuild(round_=round_)
    members = selectors.member_counts(round_)
    round_.members_count, round_.newcomers_count = members["members"], members["newcomers"]
    round_.save(update_fields=["members_count", "newcomers_count"])
    community = Community.objects.get(pk=round_.community_id)
    who = f"{actor}" if actor else "The closing date"
    activity_record(
        community=community,
        actor=actor,
        action="vibrancy.close",
        summary=f"{who} closed the vibrancy self-assessment: {round_.raters_count} of {round_.members_count} rated",
        now=now,
    )
    facilitators = [
        m.user for m in Membership.objects.filter(community=community).facilitators().select_related("user")
    ]
    notify(
        recipients=facilitators,
        category=Category.VIBRANCY,
        title=f"Vibrancy round closed: {round_.raters_count} of {round_.members_count} members rated",
        body="The figures are on the dashboard.",
        url=reverse("communities:dashboard", kwargs={"slug": community.slug}),
        community=community,
        actor=actor,
        now=now,
    )
    return True


def rounds_close_due(*, now: datetime | None = None) -> int:
    """Close every round past its closing date; safe to run again and from several workers at once."""
    now = now or timezone.now()
    due = list(
        VibrancyRound.objects.filter(closed_at__isnull=True, closes_at__lte=now)
        .order_by("closes_at")
        .only("pk", "community_id", "opened_at", "closes_at", "closed_at")
    )
    return sum(1 for round_ in due if round_close(round_=round_, now=now))


def _check_entry(dimension_id: int, entry: ScoreEntry) -> None:
    for value in (entry.now, entry.should_be):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX
        ):
            raise ValidationError(f"Scores are whole numbers from {SCORE_MIN} to {SCORE_MAX}; got {value!r}.")
    if len(entry.comment) > COMMENT_MAX:
        raise ValidationError(f"A comment has at most {COMMENT_MAX} characters.")


def _bins(score: VibrancyScore | ScoreEntry | None) -> set[tuple[str, int]]:
    """The histogram bins (measure, value) one member's score for a dimension occupies."""
    if score is None:
        return set()
    return {(m, v) for m, v in ((Measure.NOW, score.now), (Measure.SHOULD_BE, score.should_be)) if v is not None}


def _tally_apply(
    round_: VibrancyRound, group: str, add: list[tuple[int, str, int]], drop: list[tuple[int, str, int]]
) -> None:
    """Move one member between histogram bins: +1 on ``add``, -1 on ``drop`` ((dimension, measure, value))."""
    if drop:
        match = Q()
        for d, m, v in drop:
            match |= Q(dimension_id=d, measure=m, value=v)
        VibrancyTally.objects.filter(match, round=round_, group=group, raters__gt=0).update(raters=F("raters") - 1)
    if add:
        # INSERT … ON CONFLICT DO UPDATE: the same statement on SQLite (3.24+) and PostgreSQL.
        table = VibrancyTally._meta.db_table
        group_column = connection.ops.quote_name("group")
        rows = ", ".join(["(%s, %s, %s, %s, %s, 1)"] * len(add))
        params = [p for d, m, v in add for p in (round_.pk, d, m, group, v)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (round_id, dimension_id, measure, {group_column}, value, raters) "  # noqa: S608
                f"VALUES {rows} ON CONFLICT (round_id, dimension_id, measure, {group_column}, value) "
                f"DO UPDATE SET raters = {table}.raters + 1",
                params,
            )


@transaction.atomic
def scores_save(
    *,
    round_: VibrancyRound,
    user: User,
    entries: Mapping[int, ScoreEntry],
    now: datetime | None = None,
) -> int:
    """Save a member's scores (by dimension id) as given: an empty entry clears that dimension.

    Keeps the round's histogram and rater counts current in the same transaction. Returns on
    how many dimensions the member has now set at least one slider. Raises ``RoundClosedError`` once the round is
    closed or past its closing date.
    """
    now = now or timezone.now()
    # Lock the round row: saves and a close are serialised, so the figures frozen at closing
    # include every save that got in, and the tally's read-modify-write never interleaves.
    current = VibrancyRound.objects.select_for_update(no_key=True).get(pk=round_.pk)
    if not current.accepts_scores(now=now):
        raise RoundClosedError("This round has closed, so your changes were not saved.")
    known = set(Dimension.objects.filter(pk__in=list(entries)).values_list("pk", flat=True))
    if unknown := set(entries) - known:
        raise ValidationError(f"Unknown dimension(s): {sorted(unknown)}.")
    for dimension_id, entry in entries.items():
        _check_entry(dimension_id, entry)
    existing = {s.dimension_id: s for s in VibrancyScore.objects.filter(round=current, user=user)}
    joined = Membership.objects.filter(community_id=current.community_id, user=user).values_list("joined_at", flat=True)
    newcomer = bool(joined) and joined[0] > selectors.newcomer_cutoff(current)
    keep = {d: e for d, e in entries.items() if not e.is_empty}
    clear = [d for d, e in entries.items() if e.is_empty and d in existing]
    if clear:
        VibrancyScore.objects.filter(round=current, user=user, dimension_id__in=clear).delete()
    if keep:
        VibrancyScore.objects.bulk_create(
            [
                VibrancyScore(
                    round=current,
                    user=user,
                    dimension_id=d,
                    now=e.now,
                    should_be=e.should_be,
                    comment=e.comment.strip(),
                    created_at=now,
                    updated_at=now,
                )
                for d, e in sorted(keep.items())
            ],
            update_conflicts=True,
            unique_fields=["round", "user", "dimension"],
            update_fields=["now", "should_be", "comment", "updated_at"],
        )
    # The histogram: move this member out of the bins they left and into the ones they chose.
    add, drop = [], []
    for d, entry in entries.items():
        before, after = _bins(existing.get(d)), _bins(entry)
        drop += [(d, m, v) for m, v in sorted(before - after)]
        add += [(d, m, v) for m, v in sorted(after - before)]
    group = Group.NEWCOMER if newcomer else Group.OTHER
    _tally_apply(current, group, add, drop)
    final = {d: e for d, e in existing.items() if d not in entries} | keep
    was_rater = any(_bins(s) for s in existing.values())
    is_rater = any(_bins(e) for e in final.values())
    if was_rater != is_rater:
        step = 1 if is_rater else -1
        counts = {"raters_count": F("raters_count") + step}
        if newcomer:
            counts["newcomer_raters_count"] = F("newcomer_raters_count") + step
        VibrancyRound.objects.filter(pk=current.pk).update(**counts)
    return sum(1 for e in final.values() if _bins(e))


@transaction.atomic
def focus_set(
    *, community: Community, actor: User, dimensions: Iterable[Dimension], now: datetime | None = None
) -> list[Dimension]:
    """Make ``dimensions`` the ones the community turns up from now on; ends the focus on the others."""
    now = now or timezone.now()
    wanted = {d.pk: d for d in dimensions}
    current = {f.dimension_id: f for f in FocusDimension.objects.filter(community=community, ended_at__isnull=True)}
    ended = [pk for pk in current if pk not in wanted]
    started = [d for pk, d in wanted.items() if pk not in current]
    if not ended and not started:
        return sorted(wanted.values(), key=lambda d: d.number)
    FocusDimension.objects.filter(community=community, dimension_id__in=ended, ended_at__isnull=True).update(
        ended_at=now
    )
    FocusDimension.objects.bulk_create(
        FocusDimension(community=community, dimension=d, started_at=now, set_by=actor) for d in started
    )
    names = ", ".join(d.name for d in sorted(wanted.values(), key=lambda d: d.number)) or "none"
    activity_record(
        community=community,
        actor=actor,
        action="vibrancy.focus",
        summary=f"{actor} set the focus dimensions: {names}",
        now=now,
    )
    return sorted(wanted.values(), key=lambda d: d.number)
