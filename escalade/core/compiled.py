"""ORM queries compiled to SQL once per process, then run with new values.

Building and compiling a queryset costs the ORM several times what the database needs to
answer a lookup by key. The hottest reads (opening an incident runs a handful) are
written as ordinary querysets, compiled on first use with marker values, and then run
on a cursor with the request's values: the SQL stays the ORM's own (quoting, column
lists, the database's dialect), only the compiling is not repeated.

Only for queries whose shape does not depend on the values: no ``None`` (it turns into
``IS NULL``), no lists of varying length; each query reads the columns of one model
(no ``select_related``, no annotations).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
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
        self._compiled: dict[str, _Compiled[M]] = {}
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

    def _compile(self, alias: str) -> _Compiled[M]:
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
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        slots = [by_value.get(param) if _hashable(param) else None for param in params]
        missing = set(markers) - {slot[0] for slot in slots if slot is not None}
        if missing:
            raise ValueError(f"The compiled query does not use {sorted(missing)}.")
        if compiler.query.select_related or compiler.annotation_col_map:
            raise ValueError("A compiled query reads the columns of one model only.")
        columns = [column for column, _sql, _alias in compiler.select]
        return _Compiled(
            model=queryset.model,
            sql=sql,
            slots=slots,
            constants=list(params),
            attnames=[column.target.attname for column in columns],
            # The database's values in Python's types (SQLite's dates are text, …).
            converters=list(compiler.get_converters(columns).items()),
        )

    def run(self, using: str = "default", **values: Any) -> list[M]:
        connection = connections[using]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            with self._lock:
                compiled = self._compile(using)
                self._compiled[connection.vendor] = compiled
        params = [
            slot[1](values[slot[0]]) if slot is not None else constant
            for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            if compiled.converters:
                row = list(row)
                for position, (functions, expression) in compiled.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            found.append(compiled.model.from_db(using, compiled.attnames, row))
        return found


@dataclass(frozen=True, slots=True)
class _Compiled(Generic[M]):
    model: type[M]
    sql: str
    slots: list[Slot]
    constants: list[Any]
    attnames: list[str]
    converters: list[tuple[int, tuple[list[Callable[..., Any]], Any]]]


def _same(value: Any) -> Any:
    return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class CompiledInsert(Generic[M]):
    """Single-row INSERTs of one model, the statement built once per process and database.

    For append-only rows written on every request (the status history, the audit trail):
    the fields' own preparation (``pre_save``, ``get_db_prep_save``) still runs for each
    row; what is saved is building the statement. Like ``bulk_create``, it sends no
    ``pre_save``/``post_save`` signal.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._statements: dict[tuple[str, bool], tuple[str, list[models.Field[Any, Any]]]] = {}

    def _statement(self, connection: Any, with_pk: bool) -> tuple[str, list[Any]]:
        key = (connection.vendor, with_pk)
        statement = self._statements.get(key)
        if statement is None:
            meta = self.model._meta
            fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
            quote = connection.ops.quote_name
            sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
                quote(meta.db_table),
                ", ".join(quote(f.column) for f in fields),
                ", ".join(["%s"] * len(fields)),
                quote(meta.pk.column),
            )
            statement = self._statements[key] = (sql, fields)
        return statement

    def insert(self, obj: M, using: str = "default") -> M:
        """Write ``obj`` as a new row; its primary key is set from the database's."""
        if not obj._state.adding:
            raise ValueError(f"{obj!r} is already saved: it is inserted once.")
        connection = connections[using]
        sql, fields = self._statement(connection, obj.pk is not None)
        params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        obj.pk = row[0]
        obj._state.adding = False
        obj._state.db = using
        return obj
