"""ORM queries compiled to SQL once per process, then run with new values.

Building and compiling a queryset costs the ORM several times what the database needs to
answer a lookup by key. The hottest reads (opening an incident runs a handful) are
written as ordinary querysets, compiled on first use with marker values, and then run
as raw queries with the request's values: the SQL stays the ORM's own (quoting, column
lists, the database's dialect), only the compiling is not repeated.

Only for queries whose shape does not depend on the values: no ``None`` (it turns into
``IS NULL``), no lists of varying length. Related objects (``select_related``) are not
loaded by raw queries; each query reads one model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)

# Values no real lookup uses; each stands for one named argument while compiling.
_INT_MARKER = -7_340_000_000
_TEXT_MARKER = "\x00escalade-marker-"
_TIME_MARKER = datetime(1901, 2, 3, 4, 5, tzinfo=UTC)

Slot = tuple[str, Callable[[Any], Any]] | None  # argument name and how the database takes it


class CompiledQuery(Generic[M]):
    """``build(**markers)`` returns the queryset; ``run(**values)`` its rows for these values.

    ``kinds`` names each argument's type (``int``, ``str`` or ``datetime``), which picks
    its marker.
    """

    def __init__(self, build: Callable[..., models.QuerySet[M]], **kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, tuple[models.QuerySet[M], str, list[Slot], list[Any]]] = {}
        self._lock = threading.Lock()

    def _markers(self) -> dict[str, Any]:
        markers: dict[str, Any] = {}
        for index, (name, kind) in enumerate(self._kinds.items()):
            if kind is int:
                markers[name] = _INT_MARKER - index
            elif kind is str:
                markers[name] = f"{_TEXT_MARKER}{index}"
            elif kind is datetime:
                markers[name] = _TIME_MARKER + timedelta(seconds=index)
            else:
                raise TypeError(f"{name}: only int, str and datetime arguments can be compiled.")
        return markers

    def _compile(self, alias: str) -> tuple[models.QuerySet[M], str, list[Slot], list[Any]]:
        ops = connections[alias].ops
        by_value: dict[Any, Slot] = {}
        markers = self._markers()
        for name, value in markers.items():
            if isinstance(value, datetime):
                # Some databases take datetimes as text: the marker is found in that form.
                by_value[ops.adapt_datetimefield_value(value)] = (
                    name,
                    ops.adapt_datetimefield_value,
                )
            else:
                by_value[value] = (name, _same)
        queryset = self._build(**markers)
        sql, params = queryset.query.get_compiler(alias).as_sql()
        slots = [by_value.get(param) if _hashable(param) else None for param in params]
        missing = set(markers) - {slot[0] for slot in slots if slot is not None}
        if missing:
            raise ValueError(f"The compiled query does not use {sorted(missing)}.")
        return queryset, sql, slots, list(params)

    def run(self, using: str = "default", **values: Any) -> list[M]:
        compiled = self._compiled.get(connections[using].vendor)
        if compiled is None:
            with self._lock:
                compiled = self._compile(using)
                self._compiled[connections[using].vendor] = compiled
        queryset, sql, slots, constants = compiled
        params = [
            slot[1](values[slot[0]]) if slot is not None else constant
            for slot, constant in zip(slots, constants, strict=True)
        ]
        return list(queryset.model._default_manager.db_manager(using).raw(sql, params))


def _same(value: Any) -> Any:
    return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
