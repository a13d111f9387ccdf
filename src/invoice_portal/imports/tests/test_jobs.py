"""Batches as jobs: all-or-nothing when the apply phase dies, background runs with progress, abandoned runs noticed."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent, ChainHead, DocumentSeal
from invoice_portal.core.models import NumberSequence
from invoice_portal.events.services import _enqueue_stamp
from invoice_portal.imports import bulk, progress
from invoice_portal.imports.kinds.invoices import InvoiceKind
from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.services import import_batch_create, import_batch_enqueue, import_batch_reap, import_batch_run, staged_runs
from invoice_portal.imports.tests.helpers import csv_text, invoice_row, run_import
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.testing import Personas, make_invoice

pytestmark = pytest.mark.django_db


def _rows(n: int, *, lines: int = 2) -> list[dict[str, str]]:
    return [
        invoice_row(
            external_id=f"ERP-{i:06d}", company="GLOBEX" if i % 3 == 0 else "ACME", description=f"Line {j}",
            unit_price=f"{i % 90 + 1}.50", tax_rate="20",
        )
        for i in range(n)
        for j in range(lines)
    ]  # fmt: skip


def _state() -> tuple[Any, ...]:
    head = ChainHead.objects.filter(pk=1).values_list("last_hash", "length").first()
    return (
        Invoice.all_objects.count(), InvoiceLine.objects.count(), AuditEvent.objects.count(), DocumentSeal.objects.count(),
        list(NumberSequence.objects.values_list("key", "last_value")), head,
    )  # fmt: skip


def test_a_failure_midway_through_the_apply_phase_writes_nothing_and_fails_the_batch(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_invoice(company=personas.acme)  # the books hold something already: a number, a seal, audit events
    before = _state()
    monkeypatch.setattr(InvoiceKind, "chunk_size", 5)
    calls = {"n": 0}
    # SQLite runs staged: two chunks are committed (hidden) by the third; PostgreSQL runs one transaction.
    name = "documents_stage" if staged_runs() else "documents_bulk_create"
    real = getattr(bulk, name)

    def dies_on_the_third_chunk(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("the process is killed here")  # two chunks of documents (and, in one transaction, seals, numbers) by now
        return real(**kwargs)

    monkeypatch.setattr(f"invoice_portal.imports.kinds.invoices.{name}", dies_on_the_third_chunk)

    batch = run_import(_rows(20))

    assert calls["n"] == 3
    assert batch.status == "failed"
    assert batch.finished_at is not None
    assert batch.errors == [
        {"row": 0, "column": "", "message": "The import stopped on an internal error; nothing was written. The server log has the details."}
    ]
    assert _state() == before
    assert check_books() == []


def test_a_large_batch_runs_as_a_background_job_and_reports_progress(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(InvoiceKind, "chunk_size", 50)
    batch = import_batch_create(actor=personas.finance, kind="invoices", fmt="csv", payload=csv_text(_rows(600)).encode())
    assert batch.status == "queued"
    assert batch.rows_total == 1200

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_batch_enqueue(batch)  # the test settings run tasks at once (ImmediateBackend) when the transaction commits

    # The enqueue; the import's own commit then schedules the stamping of the business events it wrote.
    assert len([c for c in callbacks if c is not _enqueue_stamp]) == 1
    batch.refresh_from_db()
    assert batch.status == "succeeded", batch.errors
    assert batch.rows_validated == batch.rows_done == batch.rows_total == 1200
    assert batch.summary["created"] == 600
    assert batch.summary["documents_per_second"] > 0
    assert Invoice.objects.filter(source="erp").count() == 600
    assert check_books() == []


def test_progress_goes_through_validation_then_the_apply_phase(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(InvoiceKind, "chunk_size", 10)
    seen: list[tuple[str, int, int]] = []

    batch = run_import(_rows(50), progress=lambda phase, done, total: seen.append((phase, done, total)))

    assert batch.status == "succeeded"
    phases = [p for p, _, _ in seen]
    assert phases == sorted(phases, key=["validating", "running"].index)
    for phase in ("validating", "running"):
        counts = [done for p, done, _ in seen if p == phase]
        assert counts == sorted(counts)
        assert counts[-1] == 100
        assert len(counts) >= 5
    assert {total for _, _, total in seen} == {100}


def test_a_batch_is_run_once(personas: Personas) -> None:
    batch = run_import([invoice_row()])
    finished = batch.finished_at

    again = import_batch_run(batch_id=batch.pk)

    assert again.status == "succeeded"
    assert again.finished_at == finished
    assert Invoice.objects.count() == 1


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _running(worker: str, *, heartbeat: dt.datetime | None = None) -> ImportBatch:
    batch = import_batch_create(actor=None, kind="invoices", fmt="csv", payload=csv_text([invoice_row()]).encode())
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", worker=worker, heartbeat_at=heartbeat or timezone.now())
    batch.refresh_from_db()
    return batch


def test_a_batch_whose_process_was_killed_is_marked_failed(personas: Personas) -> None:
    batch = import_batch_reap(_running(f"{socket.gethostname()}:{_dead_pid()}"))

    assert batch.status == "failed"
    assert "stopped before it finished" in batch.errors[0]["message"]


def test_a_batch_of_a_live_process_is_left_running(personas: Personas) -> None:
    import os

    assert import_batch_reap(_running(f"{socket.gethostname()}:{os.getpid()}")).status == "running"


def test_a_batch_on_another_host_is_failed_once_its_heartbeat_stops(personas: Personas) -> None:
    assert import_batch_reap(_running("elsewhere:1", heartbeat=timezone.now() - dt.timedelta(minutes=2))).status == "running"
    assert import_batch_reap(_running("elsewhere:1", heartbeat=timezone.now() - dt.timedelta(hours=1))).status == "failed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_apply_progress_is_visible_outside_the_import_transaction_and_its_data_is_not(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(InvoiceKind, "chunk_size", 10)
    monkeypatch.setattr(progress, "WRITE_EVERY", 0)
    seen_outside: list[tuple[int, int]] = []
    outside = progress.open_side_connection()  # another session, like a web process polling GET /imports/{id}
    assert outside is not None

    def look_from_outside(phase: str, done: int, total: int) -> None:
        if phase == "running" and done < total:
            with outside.cursor() as cursor:
                cursor.execute("SELECT rows_done FROM imports_importbatch ORDER BY id DESC LIMIT 1")
                rows_done = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM invoices_invoice WHERE source = 'erp'")
                invoices = cursor.fetchone()[0]
            seen_outside.append((rows_done, invoices))

    assert connection.vendor == "postgresql"
    batch = run_import(_rows(40), progress=look_from_outside)

    outside.close()
    assert batch.status == "succeeded"
    assert [done for done, _ in seen_outside] == list(range(20, 80, 20))
    assert {invoices for _, invoices in seen_outside} == {0}  # nothing shows until the one commit
    assert Invoice.objects.filter(source="erp").count() == 40
