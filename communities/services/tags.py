"""Tags: a community's vocabulary for expertise, help requests and captured learning."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from communities.models import Community, Tag

TAG_NAME_MAX = 40


def normalise_tag_name(text: str) -> str:
    """Lower case, single spaces, no surrounding punctuation: "  Sepsis  Care " → "sepsis care"."""
    return re.sub(r"\s+", " ", text).strip().strip(".,;:#").strip().lower()


@transaction.atomic
def tags_from_text(community: Community, text: str) -> list[Tag]:
    """Tags for a comma-separated list of names, creating the missing ones (two queries + inserts).

    Names are normalised (case, spaces); "Hand-over", "hand over" and "HAND OVER" are one tag
    because they share a slug. Raises ValidationError for a name longer than 40 characters.
    """
    wanted: dict[str, str] = {}
    for part in (text or "").split(","):
        name = normalise_tag_name(part)
        if not name:
            continue
        if len(name) > TAG_NAME_MAX:
            raise ValidationError(f"“{name[:50]}…” is too long for a tag (at most {TAG_NAME_MAX} characters).")
        slug = slugify(name)[:50]
        if not slug:
            raise ValidationError(f"“{name}” needs at least one letter or digit to be a tag.")
        wanted.setdefault(slug, name)
    if not wanted:
        return []
    existing = {t.slug: t for t in Tag.objects.filter(community=community, slug__in=list(wanted))}
    missing = [Tag(community=community, slug=slug, name=name) for slug, name in wanted.items() if slug not in existing]
    if missing:
        # ignore_conflicts: another request may create the same tag at the same moment.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.slug: t for t in Tag.objects.filter(community=community, slug__in=list(wanted))}
    return [existing[slug] for slug in wanted]
