"""CSV files of the portal, streamed row by row so a long list never sits in memory.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or tab, carriage
return) as a formula. Every text cell that comes from stored data and starts so gets a leading
``'``; amounts and dates are formatted here (an amount is a plain number, a negative balance
included, which a spreadsheet reads as a number and never runs).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from invoice_portal.core.money import as_str
from invoice_portal.invoices.models import Invoice, Kind, Source, Status
from invoice_portal.portal.selectors import Statement

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


class Text(str):
    """A cell from stored data: neutralized when written."""

    __slots__ = ()


def neutralize(value: str) -> str:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Text):
        return neutralize(str(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Echo:
    """A file-like object whose ``write`` hands back the line, for ``csv.writer`` inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes spreadsheet programs read UTF-8
    for row in rows:
        yield writer.writerow([_cell(cell) for cell in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_filename(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.csv"


INVOICE_HEADER = (
    "Number", "Kind", "Status", "Company", "Order", "PO number", "Source", "Issue date", "Due date",
    "Currency", "Total", "Paid and credited", "Balance", "Overdue", "Disputed", "Id",
)  # fmt: skip
_INVOICE_FIELDS = (
    "number", "kind", "status", "company__name", "order__external_id", "po_number", "order__po_number", "source",
    "issue_date", "due_date", "currency", "total", "allocated_total", "balance", "has_open_dispute", "pk",
)  # fmt: skip
_KINDS, _STATUSES, _SOURCES = dict(Kind.choices), dict(Status.choices), dict(Source.choices)


def invoice_rows(invoices: QuerySet[Invoice]) -> Iterator[list[Any]]:
    """One row per invoice of an already scoped and filtered ``invoice_list`` queryset, read in chunks."""
    today = timezone.localdate()
    live = (Status.OPEN, Status.PARTIALLY_PAID)
    for values in invoices.values_list(*_INVOICE_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        (number, kind, status, company, order, po, order_po, source, issued, due, currency, total, allocated, balance, disputed, pk) = (
            values
        )
        overdue = status in live and kind != Kind.CREDIT_NOTE and due is not None and due < today
        yield [
            Text(number or ""), _KINDS.get(kind, kind), _STATUSES.get(status, status), Text(company), Text(order or ""),
            Text(po or order_po or ""), _SOURCES.get(source, source), issued, due, currency, as_str(total, currency),
            as_str(allocated, currency), as_str(balance, currency), "yes" if overdue else "no", "yes" if disputed else "no", pk,
        ]  # fmt: skip


STATEMENT_HEADER = ("Date", "Description", "Reference", "Debit", "Credit", "Balance", "Currency")


def statement_rows(statement: Statement) -> Iterator[list[Any]]:
    currency = statement.currency
    yield [statement.start, "Opening balance", "", "", "", as_str(statement.opening, currency), currency]
    for line in statement.lines:
        yield [
            line.date, line.description, Text(line.reference), as_str(line.debit, currency) if line.debit else "",
            as_str(line.credit, currency) if line.credit else "", as_str(line.balance, currency), currency,
        ]  # fmt: skip
    yield [statement.end, "Closing balance", "", as_str(statement.total_debit, currency), as_str(statement.total_credit, currency),
           as_str(statement.closing, currency), currency]  # fmt: skip
