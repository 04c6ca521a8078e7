"""Queue statistics read from ``RoutingEvent`` (never from a router's memory).

Definitions (docs/contactcenter.md, "Interval statistics"), per queue and period:

* offered: ``offered`` events (a call transferred in is offered to its new queue);
* answered: ``answered`` events; answered within the service level: those with
  ``within_service_level``; service level = answered within / answered;
* average speed of answer (ASA): mean ``waited_seconds`` of the ``answered`` events;
* abandoned: ``abandoned`` events (``withdrawn`` is not an abandon); abandon rate =
  abandoned / offered;
* talk time: the sum of ``hung_up.handle_seconds``.

``close_intervals(now)`` writes one ``IntervalStat`` per queue and finished interval
(15 and 30 minutes, aligned on the hour) that has events: it recomputes the interval
from the events and upserts the row, so running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from escalade.contactcenter.models import EventKind, IntervalLength, IntervalStat, RoutingEvent

LENGTHS = tuple(int(length) for length in IntervalLength.values)
COUNTED_KINDS = (EventKind.OFFERED, EventKind.ANSWERED, EventKind.ABANDONED, EventKind.HUNG_UP)


@dataclass
class Figures:
    """The counts of one queue over one period, and the rates derived from them."""

    offered: int = 0
    answered: int = 0
    answered_within_sl: int = 0
    abandoned: int = 0
    total_wait_seconds: float = 0.0
    total_handle_seconds: float = 0.0

    @property
    def service_level(self) -> float | None:
        return self.answered_within_sl / self.answered if self.answered else None

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.total_wait_seconds / self.answered if self.answered else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    def add(self, other: Figures) -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.answered_within_sl += other.answered_within_sl
        self.abandoned += other.abandoned
        self.total_wait_seconds += other.total_wait_seconds
        self.total_handle_seconds += other.total_handle_seconds

    def counts(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "answered_within_sl": self.answered_within_sl,
            "abandoned": self.abandoned,
            "total_wait_seconds": self.total_wait_seconds,
            "total_handle_seconds": self.total_handle_seconds,
        }


def interval_start(at: datetime, length_minutes: int) -> datetime:
    """The start of the interval holding ``at`` (intervals aligned on the UTC hour)."""
    seconds = length_minutes * 60
    epoch = int(at.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(epoch, tz=UTC)


def period_figures(
    queue_ids: Iterable[int], *, since: datetime, until: datetime
) -> dict[int, Figures]:
    """Each queue's figures over [since, until): one grouped query."""
    answered = Q(kind=EventKind.ANSWERED)
    rows = (
        RoutingEvent.objects.filter(
            queue_id__in=list(queue_ids), at__gte=since, at__lt=until, kind__in=COUNTED_KINDS
        )
        .values("queue_id")
        .annotate(
            offered=Count("pk", filter=Q(kind=EventKind.OFFERED)),
            answered=Count("pk", filter=answered),
            within=Count("pk", filter=answered & Q(within_service_level=True)),
            abandoned=Count("pk", filter=Q(kind=EventKind.ABANDONED)),
            wait=Sum("waited_seconds", filter=answered),
            handle=Sum("handle_seconds", filter=Q(kind=EventKind.HUNG_UP)),
        )
    )
    return {
        row["queue_id"]: Figures(
            offered=row["offered"],
            answered=row["answered"],
            answered_within_sl=row["within"],
            abandoned=row["abandoned"],
            total_wait_seconds=float(row["wait"] or 0.0),
            total_handle_seconds=float(row["handle"] or 0.0),
        )
        for row in rows
    }


def _account(figures: Figures, row: Mapping[str, Any]) -> None:
    kind = row["kind"]
    if kind == EventKind.OFFERED:
        figures.offered += 1
    elif kind == EventKind.ANSWERED:
        figures.answered += 1
        figures.answered_within_sl += 1 if row["within_service_level"] else 0
        figures.total_wait_seconds += float(row["waited_seconds"] or 0.0)
    elif kind == EventKind.ABANDONED:
        figures.abandoned += 1
    elif kind == EventKind.HUNG_UP:
        figures.total_handle_seconds += float(row["handle_seconds"] or 0.0)


def compute_intervals(
    *, length_minutes: int, since: datetime, until: datetime
) -> dict[tuple[int, datetime], Figures]:
    """The figures of every (queue, interval) with events in [since, until)."""
    buckets: dict[tuple[int, datetime], Figures] = {}
    rows = (
        RoutingEvent.objects.filter(
            at__gte=since, at__lt=until, kind__in=COUNTED_KINDS, queue__isnull=False
        )
        .order_by()
        .values(
            "queue_id", "at", "kind", "waited_seconds", "within_service_level", "handle_seconds"
        )
    )
    for row in rows.iterator(chunk_size=2000):
        key = (row["queue_id"], interval_start(row["at"], length_minutes))
        _account(buckets.setdefault(key, Figures()), row)
    return buckets


def close_intervals(now: datetime | None = None) -> int:
    """Write (upsert) the statistics of the finished intervals not yet final; how many.

    From the latest stored interval (recomputed, in case it was written early) or, the
    first time, from the first event, to the start of the interval in progress.
    """
    now = now or timezone.now()
    written = 0
    for length in LENGTHS:
        closed_end = interval_start(now, length)
        latest = IntervalStat.objects.filter(length_minutes=length).aggregate(
            latest=Max("interval_start")
        )["latest"]
        if latest is None:
            first = RoutingEvent.objects.filter(
                kind__in=COUNTED_KINDS, queue__isnull=False
            ).aggregate(first=Min("at"))["first"]
            if first is None:
                continue
            since = interval_start(first, length)
        else:
            since = latest
        if since >= closed_end:
            continue
        buckets = compute_intervals(length_minutes=length, since=since, until=closed_end)
        with transaction.atomic():
            for (queue_id, start), figures in sorted(buckets.items(), key=lambda kv: kv[0][1]):
                IntervalStat.objects.update_or_create(
                    queue_id=queue_id,
                    interval_start=start,
                    length_minutes=length,
                    defaults={**figures.counts(), "computed_at": now},
                )
                written += 1
    return written


def today_start(now: datetime | None = None) -> datetime:
    """Local midnight (the site's ``TIME_ZONE``) of ``now``."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def stat_figures(stat: IntervalStat) -> Figures:
    return Figures(
        offered=stat.offered,
        answered=stat.answered,
        answered_within_sl=stat.answered_within_sl,
        abandoned=stat.abandoned,
        total_wait_seconds=stat.total_wait_seconds,
        total_handle_seconds=stat.total_handle_seconds,
    )


def interval_end(stat: IntervalStat) -> datetime:
    return stat.interval_start + timedelta(minutes=stat.length_minutes)
