"""How far a batch has got, visible from outside the process that runs it.

Validation runs outside any transaction, so ``rows_validated`` is written on the ordinary
connection and is visible at once. The apply phase is one transaction (that is what makes a batch
all-or-nothing, even when the process is killed), and anything written on its connection shows
only at commit. So on PostgreSQL ``rows_done`` and the heartbeat are written through a second
connection to the same database (made on demand from the default connection's settings): its
updates commit on their own while the import's transaction is open.
SQLite allows one writer at a time; there a batch of invoices runs staged (short transactions, see
``imports.services._apply_staged``) and ``rows_done`` is written between two chunks on the import's own
connection. Other kinds on SQLite still apply in one transaction: ``rows_done`` jumps to the total at commit
(the command line's progress bar is fed in-process and moves all the same).

Progress is best-effort: it never fails an import.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.utils import timezone

from invoice_portal.imports.models import ImportBatch

logger = logging.getLogger(__name__)

PROGRESS_ALIAS = "imports_progress"
WRITE_EVERY = 0.5  # seconds between progress writes

ProgressCallback = Callable[[str, int, int], None]  # (phase, rows done, rows total)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def open_side_connection() -> BaseDatabaseWrapper | None:
    """A second connection to the default database, in autocommit; None where a second writer would wait (SQLite).

    Made from the default connection's settings at use time (under test they point at the test
    database by then) and never registered in ``django.db.connections``: it is private to the writer.
    """
    default = connections[DEFAULT_DB_ALIAS]
    if default.vendor != "postgresql":
        return None
    backend = load_backend(default.settings_dict["ENGINE"])
    side: BaseDatabaseWrapper = backend.DatabaseWrapper({**default.settings_dict}, alias=PROGRESS_ALIAS)
    return side


class ProgressWriter:
    """Counts rows through the two phases, writes them at most every ``WRITE_EVERY`` seconds and tells ``callback``."""

    def __init__(self, batch_id: int, *, callback: ProgressCallback | None = None) -> None:
        self.batch_id = batch_id
        self.callback = callback
        self.total = 0
        self._side: BaseDatabaseWrapper | None = None
        self._last_write = 0.0

    def start(self, total: int) -> None:
        self.total = total

    def _due(self, force: bool) -> bool:
        now = time.monotonic()
        if not force and now - self._last_write < WRITE_EVERY:
            return False
        self._last_write = now
        return True

    def validated(self, rows: int, *, force: bool = False) -> None:
        if self._due(force):
            ImportBatch.objects.filter(pk=self.batch_id).update(rows_validated=rows, heartbeat_at=timezone.now())
        if self.callback:
            self.callback("validating", rows, self.total)

    def begin_apply(self) -> None:
        self._side = open_side_connection()
        self._last_write = 0.0

    def applied(self, rows: int, *, force: bool = False) -> None:
        if self._side is None and not transaction.get_connection().in_atomic_block:
            # A staged run (SQLite) between two chunks: the batch row can be written on the import's own connection.
            if self._due(force):
                ImportBatch.objects.filter(pk=self.batch_id).update(rows_done=rows, heartbeat_at=timezone.now())
        elif self._side is not None and self._due(force):
            table = self._side.ops.quote_name(ImportBatch._meta.db_table)
            try:
                with self._side.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET rows_done = %s, heartbeat_at = %s WHERE id = %s", [rows, timezone.now(), self.batch_id]
                    )
            except Exception:  # progress must never fail an import
                logger.warning("import batch %s: progress not written", self.batch_id, exc_info=True)
        if self.callback:
            self.callback("running", rows, self.total)

    def end_apply(self) -> None:
        """Stop writing from the side connection (before the import's own connection touches the batch row)."""
        if self._side is not None:
            self._side.close()
            self._side = None
