"""Incident numbers: the prefix and the incident's id, known before the row is written.

On PostgreSQL each process reserves ids from the table's own sequence a block at a time,
so an intake writes its incident with id and number in one INSERT. Numbers stay unique
and grow; incidents opened at the same moment by different processes may be numbered a
few apart from the order they were opened in. Elsewhere (SQLite) the database assigns
the id and the number is written right after.
"""

import os
import threading

from django.conf import settings
from django.db import connection

from escalade.incidents.models import Incident

BLOCK = 20


def number_for(incident_id: int) -> str:
    return f"{settings.INCIDENT_NUMBER_PREFIX}{incident_id:07d}"


class IdBlocks:
    def __init__(self, size: int = BLOCK) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._pid = 0
        self._sequence: str | None = None

    def next_id(self) -> int | None:
        """A fresh incident id, or None where the database assigns it on insert."""
        if connection.vendor != "postgresql":
            return None
        with self._lock:
            # A block reserved before a fork belongs to the parent, not to its workers.
            if self._pid != os.getpid():
                self._ids, self._pid = [], os.getpid()
            if not self._ids:
                self._ids = self._reserve()
            return self._ids.pop(0)

    def reset(self) -> None:
        """Forget the reserved ids (tests that reset the database's sequences)."""
        with self._lock:
            self._ids = []

    def _reserve(self) -> list[int]:
        with connection.cursor() as cursor:
            if self._sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Incident._meta.db_table])
                self._sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [self._sequence, self.size],
            )
            return sorted(row[0] for row in cursor.fetchall())


INCIDENT_IDS = IdBlocks()
