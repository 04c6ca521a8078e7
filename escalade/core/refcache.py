"""Per-process copies of the small reference tables that every request reads.

Tiers, routing rules, queues, service plans, service and hand-off targets, webhook
endpoints, the users behind API tokens: a few hundred rows, edited a few times a month,
read by every intake. Each process keeps a copy for ``settings.REFERENCE_CACHE_SECONDS``.
Saving or deleting one of the watched models in this process drops the copy at once and
again when the transaction commits, so an administrator's change applies at once where
it was made and in every other process within those seconds.

The copies are shared by the threads of a process: treat what ``get`` returns as
read-only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")
K = TypeVar("K")

# A watched model is a class, or "app_label.ModelName" for one of a higher layer.
Watched = tuple[type[models.Model] | str, ...]

_ALL: list[Keyed[Any, Any]] = []


def _watch(watched: Watched, changed: Callable[..., None]) -> None:
    for model in watched:
        for signal in (post_save, post_delete):
            signal.connect(changed, sender=model, weak=False)
        if not isinstance(model, str):
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(changed, sender=field.remote_field.through, weak=False)


class Keyed(Generic[K, T]):
    """Copies of single rows by key (a user with their profile), loaded on first use.

    ``load`` returns None for a key that does not exist; that answer is not kept.
    """

    def __init__(self, name: str, load: Callable[[K], T | None], watched: Watched):
        self.name = name
        self._load = load
        self._values: dict[K, tuple[float, T]] = {}
        self._generation = 0
        _watch(watched, self._changed)
        _ALL.append(self)

    def get(self, key: K) -> T | None:
        kept = self._values.get(key)
        now = _now()
        if kept is not None and now - kept[0] < settings.REFERENCE_CACHE_SECONDS:
            return kept[1]
        generation = self._generation
        value = self._load(key)
        # A change made while loading must not be hidden behind the copy read before it.
        if value is not None and generation == self._generation:
            self._values[key] = (now, value)
        return value

    def clear(self) -> None:
        self._generation += 1
        self._values = {}

    def _changed(self, **_kwargs: Any) -> None:
        self.clear()
        # Reads inside the still-open transaction may reload the new rows: drop them again
        # once it commits, so other requests of this process load what was committed.
        transaction.on_commit(self.clear)


class Reference(Generic[T]):
    """One cached value (a table's rows), loaded by ``load``; a ``Keyed`` of one key."""

    def __init__(self, name: str, load: Callable[[], T], watched: Watched):
        self.name = name
        self._one: Keyed[None, T] = Keyed(name, lambda _key: load(), watched)

    def get(self) -> T:
        value = self._one.get(None)
        if value is None:
            raise ValueError(f"The {self.name} loader returned nothing.")
        return value


def _now() -> float:
    return time.monotonic()


def clear_all() -> None:
    """Drop every copy (tests do between cases; data loaded in bulk skips the signals)."""
    for reference in _ALL:
        reference.clear()
