"""Read-only reports and exports may read from a replica (``DATABASE_REPLICA_URL``).

Everything else reads and writes the primary: a service reads what it just wrote, and a page shown
after a change must show it. The report pages and the CSV exports, which change nothing and read
much, open a ``replica_reads()`` scope (or stream their rows through ``replica_rows``); inside it the
router sends every read to the ``replica`` alias when ``settings.READ_REPLICA`` names one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def read_alias() -> str:
    """Where a read-only report reads: the replica when one is configured, else the primary."""
    alias = getattr(settings, "READ_REPLICA", "")
    return alias if alias and alias in settings.DATABASES else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside this block, reads go to ``read_alias()`` (only around code that writes nothing)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_rows[T](rows: Callable[[], Iterable[T]]) -> Iterator[T]:
    """Stream ``rows()`` with its queries on the replica (the rows are read while the response streams)."""
    previous = _replica_reads.get()
    _replica_reads.set(True)
    try:
        yield from rows()
    finally:
        # Not ``reset``: a streamed generator may be closed from another context than the one it started in.
        _replica_reads.set(previous)


class ReplicaRouter:
    """Reads inside a replica scope go to the replica; every write, and every other read, to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return read_alias() if _replica_reads.get() else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary; it is never migrated on its own
