"""The portal's invoice list as CSV rows (the CSV writing itself is ``core.csv_export``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from invoice_portal.core.csv_export import CHUNK_SIZE, Text
from invoice_portal.core.money import as_str
from invoice_portal.invoices.models import Invoice, Kind, Source, Status
from invoice_portal.invoices.wording import current_wording

INVOICE_HEADER = (
    "Number", "Kind", "Status", "Company", "Order", "PO number", "Source", "Issue date", "Due date",
    "Currency", "Total", "Paid and credited", "Balance", "Overdue", "Disputed", "Id",
)  # fmt: skip
_INVOICE_FIELDS = (
    "number", "kind", "status", "company__name", "order__external_id", "po_number", "order__po_number", "source",
    "issue_date", "due_date", "currency", "total", "allocated_total", "balance", "has_open_dispute", "pk",
)  # fmt: skip
_SOURCES = dict(Source.choices)


def invoice_rows(invoices: QuerySet[Invoice]) -> Iterator[list[Any]]:
    """One row per invoice of an already scoped and filtered ``invoice_list`` queryset, read in chunks; types and
    statuses in the Admin's words (``invoices.wording``, read once per export)."""
    today = timezone.localdate()
    wording = current_wording()
    live = (Status.OPEN, Status.PARTIALLY_PAID)
    for values in invoices.values_list(*_INVOICE_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        (number, kind, status, company, order, po, order_po, source, issued, due, currency, total, allocated, balance, disputed, pk) = (
            values
        )
        overdue = status in live and kind != Kind.CREDIT_NOTE and due is not None and due < today
        yield [
            Text(number or ""), wording.kind(kind), wording.document_status(status, kind, total), Text(company), Text(order or ""),
            Text(po or order_po or ""), _SOURCES.get(source, source), issued, due, currency, as_str(total, currency),
            as_str(allocated, currency), as_str(balance, currency), "yes" if overdue else "no", "yes" if disputed else "no", pk,
        ]  # fmt: skip
