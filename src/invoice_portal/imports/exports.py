"""CSV exports of invoices and payments: exactly the rows of a filtered queryset, streamed.

The rows come from ``values_list(...).iterator(chunk_size=…)`` (a server-side cursor on
PostgreSQL), are written by ``csv.writer`` into a throwaway buffer and leave as text chunks, so
memory stays flat whether the export holds ten rows or a million. The caller passes the very
queryset its list shows (``invoice_list`` / ``payment_filter`` over the caller's scope), so the file
holds exactly what the filtered list holds, in the list's order.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and tab or carriage return)
as a formula. Every text cell that comes from stored data and starts so gets a leading ``'``;
amounts and dates are written by us and never do.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from invoice_portal.core.money import as_str
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.models import SETTLED_STATUSES, Payment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
ROWS_PER_WRITE = 500

# (CSV column, queryset field, how to write it): "text" is neutralized, "money" uses the row's currency.
INVOICE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "pk", "int"),
    ("number", "number", "text"),
    ("kind", "kind", "text"),
    ("direction", "direction", "text"),
    ("status", "status", "text"),
    ("source", "source", "text"),
    ("external_id", "external_id", "text"),
    ("company_external_id", "company__external_id", "text"),
    ("company_name", "company__name", "text"),
    ("order_source", "order__source", "text"),
    ("order_external_id", "order__external_id", "text"),
    ("po_number", "po_number", "text"),
    ("currency", "currency", "text"),
    ("issue_date", "issue_date", "date"),
    ("due_date", "due_date", "date"),
    ("line_net_total", "line_net_total", "money"),
    ("discount", "allowance_total", "money"),
    ("tax_exclusive_total", "tax_exclusive_total", "money"),
    ("tax_total", "tax_total", "money"),
    ("total", "total", "money"),
    ("allocated_total", "allocated_total", "money"),
    ("balance", "balance", "money"),
    ("overdue", "", "derived"),
    ("disputed", "has_open_dispute", "bool"),
)

PAYMENT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "pk", "int"),
    ("external_id", "external_id", "text"),
    ("received_on", "received_on", "date"),
    ("company_external_id", "company__external_id", "text"),
    ("company_name", "company__name", "text"),
    ("amount", "amount", "money"),
    ("currency", "currency", "text"),
    ("method", "method", "text"),
    ("reference", "reference", "text"),
    ("status", "status", "text"),
    ("allocated_total", "allocated_total", "money"),
    ("refunded_amount", "refunded_amount", "money"),
    ("unallocated", "", "derived"),
    ("gateway", "gateway", "text"),
    ("gateway_reference", "gateway_reference", "text"),
)


def neutralize(value: str) -> str:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _text(value: Any) -> str:
    return "" if value is None else neutralize(str(value))


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def invoice_rows(invoices: QuerySet[Invoice], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """The header, then one row per document of ``invoices`` (annotated with ``has_open_dispute``, as ``invoice_list`` does)."""
    yield [name for name, _, _ in INVOICE_COLUMNS]
    fields = [f for _, f, how in INVOICE_COLUMNS if how != "derived"]
    at = {f: i for i, f in enumerate(fields)}
    today = timezone.localdate()
    live = (Status.OPEN, Status.PARTIALLY_PAID)
    for values in invoices.values_list(*fields).iterator(chunk_size=chunk_size):
        currency = values[at["currency"]]
        due: dt.date | None = values[at["due_date"]]
        row: list[str] = []
        for _, name, how in INVOICE_COLUMNS:
            if how == "derived":
                row.append("true" if values[at["status"]] in live and due is not None and due < today else "false")
                continue
            value = values[at[name]]
            if how == "money":
                row.append(as_str(value, currency))
            elif how == "text":
                row.append(_text(value))
            elif how == "date":
                row.append(_date(value))
            elif how == "bool":
                row.append("true" if value else "false")
            else:
                row.append(str(value))
        yield row


def payment_rows(payments: QuerySet[Payment], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """The header, then one row per payment of ``payments``."""
    yield [name for name, _, _ in PAYMENT_COLUMNS]
    fields = [f for _, f, how in PAYMENT_COLUMNS if how != "derived"]
    at = {f: i for i, f in enumerate(fields)}
    for values in payments.values_list(*fields).iterator(chunk_size=chunk_size):
        currency = values[at["currency"]]
        row: list[str] = []
        for _, name, how in PAYMENT_COLUMNS:
            if how == "derived":
                # Payment.unallocated: only money that is with us can be unallocated.
                settled = values[at["status"]] in SETTLED_STATUSES
                left: Decimal = values[at["amount"]] - values[at["refunded_amount"]] - values[at["allocated_total"]]
                row.append(as_str(left if settled else Decimal(0), currency))
                continue
            value = values[at[name]]
            if how == "money":
                row.append(as_str(value, currency))
            elif how == "text":
                row.append(_text(value))
            elif how == "date":
                row.append(_date(value))
            else:
                row.append(str(value))
        yield row


class _Line:
    """csv.writer wants a file; this one hands back what it is given."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(rows: Iterable[list[str]], *, rows_per_chunk: int = ROWS_PER_WRITE) -> Iterator[str]:
    """CSV text in chunks of ``rows_per_chunk`` rows (fewer, larger writes for a streaming response)."""
    writer = csv.writer(_Line())
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow(row))
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)
