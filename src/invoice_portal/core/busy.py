"""Writes that must never stall or fail a request because the embedded database is busy.

On SQLite one writer holds the database at a time; a long import makes every other writer wait up
to the connection's busy timeout and then fail with "database is locked". Bookkeeping writes (when
an API token was last used) are not worth that: ``best_effort_write`` waits briefly and skips the
write when the lock is still taken. PostgreSQL locks rows, not the database; there it simply writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

BRIEF_WAIT_MS = 200


def is_database_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc).lower()


@contextmanager
def brief_lock_wait(milliseconds: int = BRIEF_WAIT_MS) -> Iterator[None]:
    """Inside the block, wait at most ``milliseconds`` for SQLite's write lock (elsewhere: no change)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {previous}")


def best_effort_write(write: Callable[[], object], *, what: str) -> bool:
    """Run ``write`` (in its own savepoint) unless the database stays locked past a brief wait; False when skipped."""
    try:
        with brief_lock_wait(), transaction.atomic():
            write()
    except OperationalError as exc:
        if not is_database_locked(exc):
            raise
        logger.info("Skipped %s: the database is busy", what)
        return False
    return True
