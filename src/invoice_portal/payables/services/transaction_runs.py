"""Transaction runs: AP exports every accepted, not yet exported received invoice for the ERP.

One run is a record (who, when, which invoices, the CSV and JSON files and the UBL zip — one EN 16931
document per invoice, ``run_ubl`` — with their SHA-256) that can be downloaded again; its invoices move
Invoice Accepted → Downloaded (the ``download`` transition). The accepted invoices are locked
(``select_for_update``) and re-read after the lock, so a second run started at the same time waits and
then finds them Downloaded; a unique constraint on the run's invoice rows backs this in the database
(PostgreSQL test).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import Conflict
from invoice_portal.invoices.models import Direction, Invoice, ReceivedStatus
from invoice_portal.payables.models import TransactionRun, TransactionRunInvoice
from invoice_portal.payables.services.received import received_view
from invoice_portal.payables.services.run_ubl import ubl_zip, ubl_zip_name
from invoice_portal.payables.statuses import check_transition

CSV_COLUMNS = (
    "invoice_id", "supplier_external_id", "supplier_name", "supplier_tax_id", "number", "kind", "issue_date", "due_date",
    "currency", "po_number", "gross", "discount", "tax_exclusive", "tax", "total",
)  # fmt: skip


RUN_FORMATS = ("csv", "json", "ubl")


@dataclass(frozen=True)
class RunFile:
    content: bytes
    sha256: str
    filename: str
    content_type: str


def run_file(run: TransactionRun, fmt: str) -> RunFile | None:
    """One of ``run``'s files as it was written (``fmt`` csv, json or ubl); None for an unknown format or a run without it."""
    if fmt == "csv":
        return RunFile(bytes(run.csv_content), run.csv_sha256, f"transaction-run-{run.pk}.csv", "text/csv; charset=utf-8")
    if fmt == "json":
        return RunFile(bytes(run.json_content), run.json_sha256, f"transaction-run-{run.pk}.json", "application/json")
    if fmt == "ubl" and run.ubl_content is not None:
        return RunFile(bytes(run.ubl_content), run.ubl_sha256, ubl_zip_name(run.pk), "application/zip")
    return None


class NothingToExport(Conflict):
    code = "nothing_to_export"


def _d(value: Any) -> str:
    return f"{value.normalize():f}" if value is not None else ""


def _row(invoice: Invoice) -> dict[str, Any]:
    supplier = invoice.company
    return {
        "invoice_id": invoice.pk, "supplier_external_id": supplier.external_id or "", "supplier_name": supplier.name,
        "supplier_tax_id": supplier.tax_id, "number": invoice.number, "kind": invoice.kind,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else "",
        "due_date": invoice.due_date.isoformat() if invoice.due_date else "", "currency": invoice.currency,
        "po_number": invoice.order.po_number if invoice.order is not None else "", "gross": _d(invoice.line_net_total),
        "discount": _d(invoice.discount), "tax_exclusive": _d(invoice.tax_exclusive_total), "tax": _d(invoice.tax_total),
        "total": _d(invoice.total),
    }  # fmt: skip


def export_files(invoices: list[Invoice]) -> tuple[bytes, bytes]:
    """The run's CSV (one row per invoice) and JSON (each invoice with its lines), in invoice-id order."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    docs = []
    for invoice in invoices:
        row = _row(invoice)
        writer.writerow(row)
        lines = [
            {"line_no": ln.line_no, "description": ln.description, "quantity": _d(ln.quantity), "unit_price": _d(ln.unit_price),
             "net": _d(ln.net_amount), "tax_category": ln.tax_category, "tax_rate": _d(ln.tax_rate),
             "po_line": ln.order_line_id}
            for ln in sorted(invoice.lines.all(), key=lambda x: x.line_no)
        ]  # fmt: skip
        docs.append({**row, "lines": lines})
    return buf.getvalue().encode(), json.dumps({"invoices": docs}, indent=2).encode()


@transaction.atomic
def transaction_run_create(*, actor: Any) -> TransactionRun:
    """Export every accepted received invoice not yet in a run; they become Downloaded. Nothing to export → 409."""
    candidates = Invoice.objects.filter(direction=Direction.RECEIVED, ap_status=ReceivedStatus.ACCEPTED, transaction_run_item__isnull=True)
    pks = list(candidates.order_by("pk").values_list("pk", flat=True))
    # Lock in id order, then keep only what is still accepted once the lock is ours (a concurrent run may have taken it).
    locked = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=pks, ap_status=ReceivedStatus.ACCEPTED)
        .select_related("company", "order", "related_invoice")
        .prefetch_related("lines")
        .order_by("pk")
    )
    invoices = [inv for inv in locked if not TransactionRunInvoice.objects.filter(invoice=inv).exists()]
    if not invoices:
        raise NothingToExport("No accepted invoice is waiting to be exported.")
    csv_bytes, json_bytes = export_files(invoices)
    run = TransactionRun.objects.create(
        created_by=actor if getattr(actor, "pk", None) is not None else None, invoice_count=len(invoices),
        csv_content=csv_bytes, csv_sha256=hashlib.sha256(csv_bytes).hexdigest(),
        json_content=json_bytes, json_sha256=hashlib.sha256(json_bytes).hexdigest(),
    )  # fmt: skip
    ubl = ubl_zip(run.pk, invoices)
    run.ubl_content, run.ubl_sha256, run.ubl_left_out = ubl.content, ubl.sha256, ubl.manifest["left_out"]
    run.save(update_fields=["ubl_content", "ubl_sha256", "ubl_left_out"])
    TransactionRunInvoice.objects.bulk_create(TransactionRunInvoice(run=run, invoice=inv) for inv in invoices)
    for invoice in invoices:
        check_transition("download", invoice.ap_status, ReceivedStatus.DOWNLOADED, label=str(invoice))
        before = received_view(invoice)
        invoice.ap_status, invoice.ap_reason = ReceivedStatus.DOWNLOADED, f"Exported in transaction run {run.pk}."
        invoice.save(update_fields=["ap_status", "ap_reason", "updated_at"])
        audit_record(actor=actor, obj=invoice, action="received_invoice.download", before=before, after=received_view(invoice))
    after = {
        "invoices": [inv.pk for inv in invoices], "csv_sha256": run.csv_sha256, "json_sha256": run.json_sha256,
        "ubl_sha256": run.ubl_sha256, "ubl_left_out": {str(pk): reason for pk, reason in ubl.left_out.items()},
    }  # fmt: skip
    audit_record(actor=actor, obj=run, action="transaction_run.create", after=after)
    return run
