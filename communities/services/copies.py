"""Rewriting the copies of a text the portal keeps elsewhere: inbox notifications, the email outbox, the log.

Two services need it: erasing an account (the person's name and address become "Former member",
``communities.services.erasure``) and a privacy redaction (the removed words become "[redacted]",
``practice.services.privacy``). Each says which columns to search and how to rewrite a text; this module
finds the rows, rewrites every text column and every string inside a JSON column, keeps each value within its
column's length and saves only the columns that changed.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import reduce

from django.db import models
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

Rewrite = Callable[[str], str]


def _rewritten(value, rewrite: Rewrite):
    """``value`` with ``rewrite`` applied to it, or to every string inside it (JSON: lists and dict values)."""
    if isinstance(value, str):
        return rewrite(value) if value else value
    if isinstance(value, list):
        return [_rewritten(v, rewrite) for v in value]
    if isinstance(value, dict):
        return {k: _rewritten(v, rewrite) for k, v in value.items()}
    return value


def _spellings(word: str) -> set[str]:
    # A JSON column may store the word escaped: SQLite keeps "é" as "\u00e9", PostgreSQL's jsonb as "é";
    # both keep quotes as \".
    return {word, json.dumps(word)[1:-1], json.dumps(word, ensure_ascii=False)[1:-1]}


def rewrite_rows(rows: QuerySet, fields: Sequence[str], *, words: Iterable[str], rewrite: Rewrite) -> int:
    """Rewrite ``fields`` of the rows of ``rows`` that hold any of ``words``; return how many rows changed."""
    words = [w for w in words if w]
    if not words:
        return 0
    model = rows.model
    texts = {f"_{name}_text": Cast(name, TextField()) for name in fields}
    holds = reduce(
        operator.or_,
        (Q(**{f"{text}__contains": spelling}) for text in texts for w in words for spelling in _spellings(w)),
    )
    changed_rows = 0
    for row in rows.annotate(**texts).filter(holds).iterator():
        changed = []
        for name in fields:
            old = getattr(row, name)
            new = _rewritten(old, rewrite)
            if new == old:
                continue
            limit = model._meta.get_field(name).max_length  # the replacement may be longer than the words
            setattr(row, name, new[:limit] if limit and isinstance(new, str) else new)
            changed.append(name)
        if changed:
            row.save(update_fields=changed)
            changed_rows += 1
    return changed_rows


def rewrite_copies(
    tables: Mapping[type[models.Model], Sequence[str]], *, words: Iterable[str], rewrite: Rewrite
) -> int:
    """:func:`rewrite_rows` over every row of each model in ``tables`` (model → the columns to rewrite)."""
    words = list(words)
    return sum(
        rewrite_rows(model.objects.all(), fields, words=words, rewrite=rewrite) for model, fields in tables.items()
    )
