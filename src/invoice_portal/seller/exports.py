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
    """One row per invoice of an already filtered ``invoice_list`` queryset, read in chunks."""
    today = timezone.localdate()
    for inv in invoices.iterator(chunk_size=CHUNK):
        overdue = inv.status in ("open", "partially_paid") and inv.due_date is not None and inv.due_date < today
        yield [
            inv.number or "", inv.get_kind_display(), inv.get_status_display(), inv.company.name, inv.company.external_id or "",
            inv.order.external_id if inv.order else "", inv.get_source_display(), inv.issue_date or "", inv.due_date or "",
            inv.currency, as_str(inv.total, inv.currency), as_str(inv.allocated_total, inv.currency),
            as_str(inv.balance, inv.currency), "yes" if overdue else "no",
            "yes" if getattr(inv, "has_open_dispute", False) else "no", inv.pk,
        ]  # fmt: skip


def export_filename(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.csv"
