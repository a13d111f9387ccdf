"""Import batches: create, run (validate, then apply all-or-nothing), notice the abandoned ones.

A batch runs in two passes over its file:

1. **validating** — outside any transaction, every row is checked and every document planned
   (created / updated / unchanged) against the database. Any error: the batch fails, listing
   every row's errors, and nothing is written.
2. **running** — the file is planned again (the database may have moved since) and applied chunk by
   chunk through the domain services (new invoices through the bulk path of ``imports.bulk``).
   On PostgreSQL in ONE transaction: any error (or a dry run) rolls it back; the batch is marked
   ``succeeded`` inside it, so "succeeded" and the data commit together. On SQLite a batch of
   invoices, orders or purchase orders runs *staged* (``_apply_staged``): short transactions per chunk
   write hidden new documents, one final transaction publishes them, and any failure deletes them. A process killed midway
   leaves nothing visible; the batch (left ``validating``/``running``) is later marked failed by
   ``import_batch_reap``, and ``import_batch_cleanup`` (before every run) deletes what it staged.

Changes are audited with the channel ``import`` and the reference ``batch:<id>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from invoice_portal.audit.context import origin
from invoice_portal.core.collector import cyclic_gc_paused
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.imports.bulk import documents_discard_staged
from invoice_portal.imports.errors import BatchUnreadable, ErrorLog, RowError
from invoice_portal.imports.kinds.base import Action, BatchKind, Results
from invoice_portal.imports.kinds.companies import CompanyKind
from invoice_portal.imports.kinds.invoices import InvoiceKind
from invoice_portal.imports.kinds.orders import OrderKind
from invoice_portal.imports.kinds.payments import PaymentKind
from invoice_portal.imports.kinds.purchase_orders import PurchaseOrderKind
from invoice_portal.imports.models import ACTIVE_STATUSES, ImportBatch, ImportFormat, ImportKind, ImportStatus
from invoice_portal.imports.progress import ProgressCallback, ProgressWriter, worker_id
from invoice_portal.imports.reader import BatchReader, Group, group_rows
from invoice_portal.imports.staged_orders import orders_discard_staged, orders_staged_batches
from invoice_portal.invoices.models import Invoice

logger = logging.getLogger(__name__)

KINDS: dict[str, type[BatchKind]] = {
    ImportKind.INVOICES: InvoiceKind, ImportKind.ORDERS: OrderKind, ImportKind.PAYMENTS: PaymentKind,
    ImportKind.PURCHASE_ORDERS: PurchaseOrderKind, ImportKind.COMPANIES: CompanyKind,
}  # fmt: skip
MAX_BYTES = 200 * 1024 * 1024
# A worker on this host is alive as long as its process is; one on another host as long as it writes a heartbeat.
STALE_AFTER = dt.timedelta(minutes=10)
# Called after each committed chunk of a staged run with (batch id, rows done): tests write from another connection there.
between_chunks: Callable[[int, int], None] | None = None


def staged_runs() -> bool:
    """Whether batches are applied in staged chunks (SQLite: one writer at a time) or in one transaction (PostgreSQL)."""
    return connection.vendor == "sqlite"


def import_batch_create(*, actor: Any, kind: str, fmt: str, payload: bytes, filename: str = "", dry_run: bool = False) -> ImportBatch:
    """Store an uploaded batch, queued. A file that cannot be read at all (header, JSON shape) fails at once."""
    if kind not in ImportKind.values:
        raise ValidationFailed(f"kind: one of {', '.join(ImportKind.values)}.", field="kind")
    if fmt not in ImportFormat.values:
        raise ValidationFailed(f"format: one of {', '.join(ImportFormat.values)}.", field="format")
    if len(payload) > MAX_BYTES:
        raise ValidationFailed(f"file: at most {MAX_BYTES // (1024 * 1024)} MB per batch; split the file.", field="file")
    batch = ImportBatch.objects.create(
        kind=kind, format=fmt, dry_run=dry_run, filename=filename[:255], payload=payload, size=len(payload),
        checksum=hashlib.sha256(payload).hexdigest(), created_by=actor if getattr(actor, "pk", None) is not None else None,
    )  # fmt: skip
    try:
        reader = BatchReader(payload, fmt, kind)
    except BatchUnreadable as exc:
        _finish(batch, ImportStatus.FAILED, errors=_log(exc.errors))
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_total=reader.count())
    batch.refresh_from_db(fields=["status", "rows_total", "errors", "errors_total", "finished_at"])
    return batch


def import_batch_enqueue(batch: ImportBatch) -> None:
    """Run the batch on a worker once the transaction that stored it commits."""
    from invoice_portal.imports.tasks import import_batch_task

    transaction.on_commit(lambda: import_batch_task.enqueue(batch_id=batch.pk))


def import_batch_run(*, batch_id: int, progress: ProgressCallback | None = None) -> ImportBatch:
    """Claim a queued batch and run it to succeeded or failed. Call outside a transaction."""
    import_batch_cleanup()
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.VALIDATING, started_at=now, heartbeat_at=now, worker=worker_id()
    )
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if not claimed:
        return batch  # another worker has it, or it is finished
    writer = ProgressWriter(batch.pk, callback=progress)
    try:
        # A batch keeps its prepared documents alive from validating to applying (core.collector: collections of them
        # would only traverse them).
        with origin("import", f"batch:{batch.pk}"), cyclic_gc_paused():
            _run(batch, writer)
    except Exception:
        # A bug or a lost database connection: the apply transaction has rolled back; say so on the batch.
        logger.exception("import batch %s stopped", batch.pk)
        _discard(batch.pk)
        internal = ErrorLog()
        internal.add(0, "", "The import stopped on an internal error; nothing was written. The server log has the details.")
        _finish(batch, ImportStatus.FAILED, errors=internal)
    finally:
        writer.end_apply()
    batch.refresh_from_db()
    return batch


def import_batch_reap(batch: ImportBatch) -> ImportBatch:
    """Mark failed a batch whose worker is gone (killed mid-run: its transaction rolled back, nothing was written)."""
    if batch.status not in ACTIVE_STATUSES or not _abandoned(batch):
        return batch
    errors = ErrorLog()
    errors.add(0, "", "The process running the import stopped before it finished; nothing was written. Import the file again.")
    reaped = ImportBatch.objects.filter(pk=batch.pk, status=batch.status, heartbeat_at=batch.heartbeat_at).update(
        status=ImportStatus.FAILED, finished_at=timezone.now(), errors=errors.as_list(), errors_total=errors.total
    )
    if reaped:
        _discard(batch.pk)  # what a staged run had written, hidden, before its process died
    batch.refresh_from_db()
    return batch


def import_batch_cleanup() -> int:
    """Reap the batches whose process died and delete what staged runs left hidden for batches that no longer run
    (a process killed mid-way, on SQLite). Runs before every batch; returns how many documents were deleted."""
    deleted = 0
    for batch in ImportBatch.objects.filter(status__in=ACTIVE_STATUSES):
        import_batch_reap(batch)
    staged = {
        pk for pk in Invoice.all_objects.filter(import_batch_id__isnull=False).values_list("import_batch_id", flat=True).distinct() if pk
    } | orders_staged_batches()
    running = set(ImportBatch.objects.filter(pk__in=staged, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
    for batch_id in sorted(staged - running):
        deleted += _discard(batch_id)
    return deleted


def _discard(batch_id: int) -> int:
    """Delete what batch ``batch_id`` staged (invoices, orders: a batch stages one kind); returns how many documents."""
    try:
        return documents_discard_staged(batch_id) + orders_discard_staged(batch_id)
    except Exception:  # the next run's clean-up tries again
        logger.exception("import batch %s: staged documents not deleted", batch_id)
        return 0


def _abandoned(batch: ImportBatch) -> bool:
    host, _, pid = batch.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return batch.heartbeat_at is None or batch.heartbeat_at < timezone.now() - STALE_AFTER


def _log(errors: list[RowError]) -> ErrorLog:
    log = ErrorLog()
    log.extend(errors)
    return log


def _finish(
    batch: ImportBatch, status: str, *, errors: ErrorLog | None = None, summary: dict[str, Any] | None = None, **fields: Any
) -> None:
    update: dict[str, Any] = {"status": status, "finished_at": timezone.now(), **fields}
    if errors is not None:
        update.update(errors=errors.as_list(), errors_total=errors.total)
    if summary is not None:
        update["summary"] = summary
    ImportBatch.objects.filter(pk=batch.pk).update(**update)


def _chunks(reader: BatchReader, kind: BatchKind, errors: ErrorLog) -> Iterator[list[Group]]:
    chunk: list[Group] = []
    for group in group_rows(reader.rows(errors), kind.key, errors, label=kind.label):
        chunk.append(group)
        if len(chunk) >= kind.chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _summary(batch: ImportBatch, results: Results, seconds: float) -> dict[str, Any]:
    items = results.items
    if batch.dry_run:
        items = [{**item, "id": None} if item["action"] == Action.CREATED else item for item in items]
    documents = results.documents
    return {
        "dry_run": batch.dry_run, "documents": documents, **results.counts, "seconds": round(seconds, 3),
        "documents_per_second": round(documents / seconds, 1) if seconds else None,
        "results": items, "results_total": documents,
    }  # fmt: skip


def _run(batch: ImportBatch, writer: ProgressWriter) -> None:
    try:
        reader = BatchReader(bytes(batch.payload), batch.format, batch.kind)
    except BatchUnreadable as exc:
        _finish(batch, ImportStatus.FAILED, errors=_log(exc.errors))
        return
    total = reader.count()
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=total)
    writer.start(total)
    kind_class = KINDS[batch.kind]

    errors = ErrorLog()
    kind = kind_class(actor=batch.created_by)
    done = 0
    for chunk in _chunks(reader, kind, errors):
        kind.plan(chunk, errors)
        done += sum(len(g.rows) for g in chunk)
        writer.validated(done)
    writer.validated(total, force=True)
    if errors:
        _finish(batch, ImportStatus.FAILED, errors=errors)
        return

    started = time.monotonic()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, heartbeat_at=timezone.now())
    results = Results()
    kind = kind.applying()
    if kind.can_stage and staged_runs():
        _apply_staged(batch, reader, kind, writer, results, started, total)
        return
    done = 0
    with transaction.atomic():
        writer.begin_apply()
        for chunk in _chunks(reader, kind, errors):
            plans = kind.plan(chunk, errors)
            if not errors:
                kind.apply(plans, errors, results)
            done += sum(len(g.rows) for g in chunk)
            writer.applied(done)
        writer.end_apply()
        if errors or batch.dry_run:
            transaction.set_rollback(True)
        else:
            summary = _summary(batch, results, time.monotonic() - started)
            _finish(batch, ImportStatus.SUCCEEDED, errors=errors, summary=summary, rows_done=total)
    if errors:
        _finish(batch, ImportStatus.FAILED, errors=errors)
    elif batch.dry_run:
        _finish(batch, ImportStatus.SUCCEEDED, errors=errors, summary=_summary(batch, results, time.monotonic() - started), rows_done=total)


def _apply_staged(
    batch: ImportBatch, reader: BatchReader, kind: BatchKind, writer: ProgressWriter, results: Results, started: float, total: int
) -> None:
    """The apply phase in short transactions (SQLite, where a transaction holds the one write lock of the database).

    Each chunk is planned again and its new documents written *staged*: hidden drafts tagged with the batch, which no
    reader sees (``Invoice.objects``), without numbers, seals or audit events. Between two chunks the lock is free:
    other writers get through. One final transaction publishes them (numbers, seals, audit, the updates of
    existing documents, one statement that shows them all) and marks the batch succeeded. Any error, a dry run, or a
    process killed on the way: the staged documents are deleted (at once, or by the next run's clean-up), and
    nothing of the batch was ever visible. See "Imports on SQLite: staged chunks" in docs/imports.md.
    """
    errors = ErrorLog()
    done = 0
    for chunk in _chunks(reader, kind, errors):
        with transaction.atomic():
            plans = kind.plan(chunk, errors)
            if not errors:
                kind.stage(plans, errors, batch.pk)
        if errors:
            break
        done += sum(len(g.rows) for g in chunk)
        writer.applied(done)
        if between_chunks is not None:
            between_chunks(batch.pk, done)
    if not errors:
        with transaction.atomic():
            kind.publish(errors, results, batch.pk)
            if errors or batch.dry_run:
                transaction.set_rollback(True)
            else:
                summary = _summary(batch, results, time.monotonic() - started)
                _finish(batch, ImportStatus.SUCCEEDED, errors=errors, summary=summary, rows_done=total)
    if errors or batch.dry_run:
        _discard(batch.pk)
    if errors:
        _finish(batch, ImportStatus.FAILED, errors=errors)
    elif batch.dry_run:
        summary = _summary(batch, results, time.monotonic() - started)
        _finish(batch, ImportStatus.SUCCEEDED, errors=errors, summary=summary, rows_done=total)
