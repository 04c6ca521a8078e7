"""Fuzzy name search over accounts and contacts, on each database's own index.

PostgreSQL uses trigram similarity (pg_trgm, GIN index); SQLite uses an FTS5
table with the trigram tokenizer, kept in sync by triggers. Both return a few
hundred candidates that share trigrams with the query; RapidFuzz ranks them the
same way on both, so results do not depend on the database.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import QuerySet
from rapidfuzz import fuzz

from escalade.engines.text import fold

CANDIDATES = 300
MIN_SCORE = 60.0


@dataclass(frozen=True, slots=True)
class Candidate:
    pk: int
    name: str
    score: float


def _sqlite_candidate_ids(kind: str, text: str) -> list[int]:
    grams = {text[i : i + 3] for i in range(len(text) - 2)}
    grams = {g for g in grams if '"' not in g}
    if not grams:
        return []
    match = " OR ".join(f'"{g}"' for g in sorted(grams))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ref_id FROM customer_name_index WHERE customer_name_index MATCH %s "
            "AND kind = %s ORDER BY rank LIMIT %s",
            [match, kind, CANDIDATES * 3],
        )
        return [row[0] for row in cursor.fetchall()]


def ranked(queryset: QuerySet[Any], text: str, *, limit: int) -> list[Candidate]:
    """Records of the queryset (accounts or contacts) whose name looks like the text."""
    query = fold(text)
    if len(query) < 2:
        return []
    if len(query) < 3:
        rows: Sequence[tuple[int, str]] = list(
            queryset.filter(search_name__startswith=query).values_list("pk", "search_name")[
                :CANDIDATES
            ]
        )
    elif connection.vendor == "postgresql":
        rows = list(
            queryset.filter(search_name__trigram_word_similar=query)
            .annotate(closeness=TrigramWordSimilarity(query, "search_name"))
            .order_by("-closeness")
            .values_list("pk", "search_name")[:CANDIDATES]
        )
    else:
        ids = _sqlite_candidate_ids(queryset.model._meta.db_table, query)
        rows = list(queryset.filter(pk__in=ids).values_list("pk", "search_name")[:CANDIDATES])
    scored = [
        Candidate(
            pk=pk, name=name, score=max(fuzz.WRatio(query, name), fuzz.partial_ratio(query, name))
        )
        for pk, name in rows
    ]
    scored = [c for c in scored if c.score >= MIN_SCORE]
    scored.sort(key=lambda c: (-c.score, c.name, c.pk))
    return scored[:limit]
