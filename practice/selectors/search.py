"""Full-text search, one implementation for help requests and captured learning.

On PostgreSQL: ``websearch`` queries against the document a GIN index covers (the migrations
``0002_help_request_search`` and ``0004_artefact_search`` build the same expression as
:func:`document`), ranked by a weighted vector. Elsewhere (SQLite): every word as ``icontains``
over the same fields. "Any word" matching (the suggestions while asking) ranks by how many words match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

CONFIG = "english"


def terms(text: str, *, stopwords: frozenset[str] = frozenset()) -> list[str]:
    """The distinct words of ``text`` (at most ten), without one-letter words and ``stopwords``."""
    words = [w for w in re.findall(r"[^\W_]+", text.lower()) if len(w) > 1]
    if stopwords:
        words = [w for w in words if w not in stopwords and len(w) > 2]
    return list(dict.fromkeys(words))[:10]


def document(fields: Sequence[str]):
    """The search document over ``fields``: the expression the GIN indexes cover."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*fields, config=CONFIG)


def _icontains_any(fields: Sequence[str], term: str) -> Q:
    return reduce(or_, (Q(**{f"{name}__icontains": term}) for name in fields))


def search(
    qs: QuerySet,
    text: str,
    *,
    fields: Sequence[str],
    weights: Sequence[tuple[Sequence[str], str]],
    order_by: Sequence[str],
) -> QuerySet:
    """Rows matching every word of ``text``; on PostgreSQL best first, then ``order_by``.

    ``weights`` pairs groups of ``fields`` with a ranking weight ("A" to "D").
    """
    text = text.strip()
    if not text:
        return qs
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        weighted = reduce(lambda a, b: a + b, (SearchVector(*group, weight=w, config=CONFIG) for group, w in weights))
        return (
            qs.annotate(document=document(fields))
            .filter(document=query)
            .annotate(rank=SearchRank(weighted, query))
            .order_by("-rank", *order_by)
        )
    words = terms(text)
    if not words:
        return qs.none()
    for word in words:
        qs = qs.filter(_icontains_any(fields, word))
    return qs


def search_any(qs: QuerySet, words: list[str], *, fields: Sequence[str]) -> QuerySet:
    """Rows matching any of ``words``, ordered by how well they match (``order_by`` extends it)."""
    if not words:
        return qs.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        doc = document(fields)
        query = reduce(or_, (SearchQuery(w, config=CONFIG) for w in words))
        return qs.annotate(document=doc).filter(document=query).annotate(rank=SearchRank(doc, query)).order_by("-rank")
    matches = [_icontains_any(fields, word) for word in words]
    score = sum(
        (Case(When(match, then=Value(1)), default=Value(0), output_field=IntegerField()) for match in matches),
        Value(0),
    )
    return qs.filter(reduce(or_, matches)).annotate(score=score).order_by("-score")
