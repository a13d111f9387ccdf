"""CSV exports, streamed row by row so a million invoices never sit in memory.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and tab or
carriage return) as a formula; such cells are prefixed with a single quote so an exported
customer name can never execute in the reader's spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from invoice_portal.core.money import as_str
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.wording import current_wording
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import Payment
from invoice_portal.remittances.selectors import PromiseView

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    """A file-like object whose ``write`` hands back the line, for ``csv.writer`` inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes spreadsheet programs read UTF-8
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


INVOICE_HEADER = (
    "Number", "Kind", "Status", "Customer", "Customer external id", "Order", "Source", "Issue date", "Due date",
    "Currency", "Total", "Allocated", "Balance", "Overdue", "Disputed", "Id",
)  # fmt: skip


def invoice_rows(invoices: QuerySet[Invoice]) -> Iterator[list[object]]:
    """One row per invoice of an already filtered ``invoice_list`` queryset, read in chunks; types and statuses
    in the Admin's words (``invoices.wording``, read once per export)."""
    today = timezone.localdate()
    wording = current_wording()
    for inv in invoices.iterator(chunk_size=CHUNK):
        overdue = inv.status in ("open", "partially_paid") and inv.due_date is not None and inv.due_date < today
        yield [
            inv.number or "", wording.kind(inv.kind), wording.of(inv), inv.company.name, inv.company.external_id or "",
            inv.order.external_id if inv.order else "", inv.get_source_display(), inv.issue_date or "", inv.due_date or "",
            inv.currency, as_str(inv.total, inv.currency), as_str(inv.allocated_total, inv.currency),
            as_str(inv.balance, inv.currency), "yes" if overdue else "no",
            "yes" if getattr(inv, "has_open_dispute", False) else "no", inv.pk,
        ]  # fmt: skip


ORDER_HEADER = (
    "Order", "Order date", "Customer", "Customer external id", "Source", "Status", "Canceled", "PO number",
    "Currency", "Subtotal", "Tax", "Total", "Invoiced", "Updated after invoicing", "Canceled after invoicing", "Id",
)  # fmt: skip


def order_rows(orders: QuerySet[Order]) -> Iterator[list[object]]:
    """One row per order of an already filtered ``order_list`` queryset (``is_invoiced`` annotated), read in chunks."""
    for o in orders.iterator(chunk_size=CHUNK):
        yield [
            o.external_id, o.order_date, o.company.name, o.company.external_id or "", o.get_source_display(), o.status,
            "yes" if o.is_canceled else "no", o.po_number, o.currency, as_str(o.subtotal, o.currency),
            as_str(o.tax_total, o.currency), as_str(o.total, o.currency), "yes" if getattr(o, "is_invoiced", False) else "no",
            "yes" if o.flag_updated else "no", "yes" if o.flag_canceled else "no", o.pk,
        ]  # fmt: skip


PAYMENT_HEADER = (
    "Id", "Received", "Customer", "Customer external id", "Method", "Check number / memo", "Status", "Currency",
    "Amount", "Refunded", "Allocated", "Credit left",
)  # fmt: skip


def payment_rows(payments: QuerySet[Payment]) -> Iterator[list[object]]:
    """One row per payment of an already filtered ``payment_filter`` queryset, read in chunks."""
    for p in payments.select_related("company").iterator(chunk_size=CHUNK):
        yield [
            p.pk, p.received_on, p.company.name, p.company.external_id or "", p.get_method_display(), p.reference,
            p.get_status_display(), p.currency, as_str(p.amount, p.currency), as_str(p.refunded_amount, p.currency),
            as_str(p.allocated_total, p.currency), as_str(p.unallocated, p.currency),
        ]  # fmt: skip


PROMISE_HEADER = (
    "Promised day", "Invoice", "Customer", "Customer external id", "Currency", "Promised", "Paid by the day", "Status",
    "Promised by", "Promised on", "Note",
)  # fmt: skip


def promise_rows(views: Iterable[PromiseView]) -> Iterator[list[object]]:
    for v in views:
        p, company = v.promise, v.promise.invoice.company
        yield [
            p.date, str(p.invoice), company.name, company.external_id or "", p.currency, as_str(p.amount, p.currency),
            as_str(v.paid, p.currency), v.label, p.user.email if p.user else "", timezone.localdate(p.created_at), p.note,
        ]  # fmt: skip


def export_filename(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.csv"
