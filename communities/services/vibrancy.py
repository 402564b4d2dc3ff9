"""Vibrancy self-assessments: opening and closing rounds, saving slider scores, the focus of a period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
from communities.models.vibrancy import SCORE_MAX, SCORE_MIN
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
        community=community, actor=actor, action="vibrancy.open", summary=f"{actor} opened a vibrancy self-assessment"
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
def round_close(*, round_: VibrancyRound, actor: User | None = None, now: datetime | None = None) -> bool:
    """Close a round and freeze its figures; False (and nothing done) when it was already closed.

    The conditional UPDATE decides who closes, so the periodic task and a facilitator's click
    can race safely on SQLite and PostgreSQL.
    """
    now = now or timezone.now()
    if not VibrancyRound.objects.filter(pk=round_.pk, closed_at__isnull=True).update(closed_at=now, closed_by=actor):
        return False
    round_.closed_at, round_.closed_by = now, actor
    # Freeze the histogram and the participation, from the scores as they stand at closing.
    VibrancyTally.objects.bulk_create(
        VibrancyTally(round=round_, dimension_id=d, measure=m, group=g, value=v, raters=n)
        for d, m, g, v, n in selectors.live_histogram(round_)
    )
    participation = selectors.live_participation(round_)
    round_.members_count = participation["members"]
    round_.newcomers_count = participation["newcomers"]
    round_.raters_count = participation["raters"]
    round_.newcomer_raters_count = participation["newcomer_raters"]
    round_.save(update_fields=["members_count", "newcomers_count", "raters_count", "newcomer_raters_count"])
    community = Community.objects.get(pk=round_.community_id)
    who = f"{actor}" if actor else "The closing date"
    activity_record(
        community=community,
        actor=actor,
        action="vibrancy.close",
        summary=f"{who} closed the vibrancy self-assessment: {round_.raters_count} of {round_.members_count} rated",
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


@transaction.atomic
def scores_save(
    *,
    round_: VibrancyRound,
    user: User,
    entries: Mapping[int, ScoreEntry],
    now: datetime | None = None,
) -> int:
    """Save a member's scores (by dimension id) as given: an empty entry clears that dimension.

    Returns how many dimensions now carry a score or comment. Raises ``RoundClosedError`` once
    the round is closed or past its closing date.
    """
    now = now or timezone.now()
    # Lock the round row so a concurrent close freezes either before or after this save, never during.
    current = VibrancyRound.objects.select_for_update(no_key=True).get(pk=round_.pk)
    if not current.accepts_scores(now=now):
        raise RoundClosedError("This round has closed, so your changes were not saved.")
    known = set(Dimension.objects.filter(pk__in=list(entries)).values_list("pk", flat=True))
    if unknown := set(entries) - known:
        raise ValidationError(f"Unknown dimension(s): {sorted(unknown)}.")
    for dimension_id, entry in entries.items():
        _check_entry(dimension_id, entry)
    keep = {d: e for d, e in entries.items() if not e.is_empty}
    clear = [d for d, e in entries.items() if e.is_empty]
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
    return VibrancyScore.objects.filter(round=current, user=user).count()


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
        community=community, actor=actor, action="vibrancy.focus", summary=f"{actor} set the focus dimensions: {names}"
    )
    return sorted(wanted.values(), key=lambda d: d.number)
