"""CSV exports of invoices and payments: exactly the rows of a filtered queryset, streamed.

The caller passes the very queryset its list shows (``invoice_list`` / ``payment_filter`` over the
caller's scope), so the file holds exactly what the filtered list holds, in the list's order, and
memory stays flat whether the export holds ten rows or a million.

``invoice_csv`` / ``payment_csv`` are the files as bytes. Two writers make the same bytes:

- Python (any database): ``csv_chunks(invoice_rows(...))`` reads ``values_list(...).iterator()``
  and formats each cell with ``csv.writer``.
- PostgreSQL: the database formats every cell in the SELECT and writes the CSV itself through
  ``COPY (…) TO STDOUT``, several times faster than Python can (PRODUCT §5: ≥ 100,000 rows/s).
  ``test_exports.py`` proves both writers produce the same bytes.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and tab or carriage return)
as a formula. Every text cell that comes from stored data and starts so gets a leading ``'``;
amounts and dates are written by us and never do.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Generator, Iterable, Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, DecimalField, F, Func, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import Combinable, Expression
from django.db.models.functions import Concat, NullIf
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from invoice_portal.core.money import as_str, known_currencies, minor_digits
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.models import SETTLED_STATUSES, Payment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
ROWS_PER_WRITE = 500
CHUNK_BYTES = 64 * 1024  # what the COPY writer gathers before handing a chunk on

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


# --- The files as bytes: the database writes them on PostgreSQL ------------------------------------


def invoice_csv(invoices: QuerySet[Invoice]) -> Generator[bytes]:
    """The invoice export, streamed: the bytes of ``csv_chunks(invoice_rows(invoices))``."""
    if not _copies(invoices):
        yield from _encoded(csv_chunks(invoice_rows(invoices)))
        return
    live = Q(status__in=[Status.OPEN, Status.PARTIALLY_PAID], due_date__lt=timezone.localdate())
    yield from _copy_csv(invoices, INVOICE_COLUMNS, {"overdue": _flag(live)})


def payment_csv(payments: QuerySet[Payment]) -> Generator[bytes]:
    """The payment export, streamed: the bytes of ``csv_chunks(payment_rows(payments))``."""
    if not _copies(payments):
        yield from _encoded(csv_chunks(payment_rows(payments)))
        return
    # Payment.unallocated, as payment_rows writes it: only money that is with us can be unallocated.
    left = F("amount") - F("refunded_amount") - F("allocated_total")
    unallocated = Case(When(status__in=SETTLED_STATUSES, then=left), default=Value(Decimal(0)), output_field=DecimalField())
    yield from _copy_csv(payments, PAYMENT_COLUMNS, {"unallocated": _Money(unallocated, "currency")})


def _copies(queryset: QuerySet[Any]) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode()


def _copy_csv(queryset: QuerySet[Any], columns: Sequence[tuple[str, str, str]], derived: dict[str, Expression]) -> Iterator[bytes]:
    """``COPY (the queryset's SELECT, every cell formatted as the Python writer formats it) TO STDOUT``.

    What PostgreSQL's CSV writer and ``csv.writer`` share: ``,`` between cells, a cell quoted (its
    quotes doubled) when it holds ``,`` ``"`` CR or LF, UTF-8 (Django connects with that client
    encoding). What they do not: an empty string, which COPY would quote (the cells give NULL
    instead, written as nothing), and the line end, LF where ``csv.writer`` writes CRLF. PostgreSQL
    sends one message per row, so the LF ending each message is the row's end (one inside a quoted
    cell is left alone).
    """
    header = csv.writer(_Line()).writerow([name for name, _, _ in columns]).removesuffix("\r\n").encode()
    cells = [derived[name] if how == "derived" else _cell(field, how) for name, field, how in columns]
    connection = connections[queryset.db]
    try:
        sql, params = queryset.values_list(*cells).query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # e.g. ``.none()``: a query that cannot match anything is never sent
        yield header + b"\r\n"
        return
    # A transaction around the export survives a client that leaves early: psycopg cancels the COPY
    # then, which would abort the transaction; rolling back to this savepoint undoes just that.
    savepoint = connection.savepoint()
    try:
        with connection.cursor() as cursor:
            raw = cursor.cursor
            # COPY takes no bound parameters: the values are quoted into the statement client-side.
            statement = psycopg.ClientCursor(raw.connection).mogrify(sql, params)
            with raw.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
                lines: list[bytes | memoryview] = [header]
                size = 0
                for row in copy:
                    lines.append(row[:-1])
                    size += len(row)
                    if size >= CHUNK_BYTES:
                        lines.append(b"")
                        yield b"\r\n".join(lines)
                        lines, size = [], 0
                if lines:
                    lines.append(b"")
                    yield b"\r\n".join(lines)
    except BaseException:  # GeneratorExit too: the client left mid-stream
        if savepoint:
            connection.savepoint_rollback(savepoint)
        raise
    if savepoint:
        connection.savepoint_commit(savepoint)


def _cell(field: str, how: str) -> Combinable:
    if how == "text":
        return _Text(field)
    if how == "money":
        return _Money(F(field), "currency")
    if how == "date":
        return _Date(F(field))
    if how == "bool":
        return _flag(Q(**{field: True}))
    return F(field)  # int: PostgreSQL writes it as str() does


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value("true")), default=Value("false"), output_field=TextField())


class _Text(Case):
    """``_text``: NULL and "" empty, a formula start neutralized with a leading apostrophe."""

    def __init__(self, field: str) -> None:
        value = F(field)
        starts = [ord(c) for c in FORMULA_STARTS]  # ascii() is the first character's code point ('' gives 0)
        formula = In(Func(value, function="ascii", output_field=IntegerField()), starts)
        super().__init__(When(formula, then=Concat(Value("'"), value)), default=NullIf(value, Value("")), output_field=TextField())


class _Date(Func):
    """``_date``: ISO 8601 (``YYYY-MM-DD``, as ``date.isoformat``), whatever the session's DateStyle."""

    function = "to_char"
    template = "%(function)s(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TextField()


class _Money(Func):
    """``as_str``: the amount rounded to its currency's minor digits, half away from zero (ROUND_HALF_UP).

    The sign is written apart because PostgreSQL has no negative zero, and Decimal has: an amount of
    -0.004 USD is "-0.00" for ``as_str``."""

    output_field = TextField()

    def __init__(self, amount: Combinable, currency: str) -> None:
        super().__init__(amount, _minor_digits(currency))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        amount, digits = self.get_source_expressions()
        a_sql, a_params = compiler.compile(amount)
        d_sql, d_params = compiler.compile(digits)
        sql = f"CASE WHEN {a_sql} < 0 THEN '-' || round(-({a_sql}), {d_sql})::text ELSE round({a_sql}, {d_sql})::text END"
        return sql, (*a_params, *a_params, *d_params, *a_params, *d_params)


def _minor_digits(currency: str) -> Case:
    """``minor_digits`` of the ``currency`` column, as SQL.

    The usual two digits cost one hashed look-up (PostgreSQL hashes an IN list of 9 or more);
    the rarer currencies (JPY 0, KWD 3, …) a second."""
    usual, rare = _currencies_by_digits()
    which = Case(*(When(Q(**{f"{currency}__in": codes}), then=Value(digits)) for digits, codes in rare), output_field=IntegerField())
    every_rare = [code for _, codes in rare for code in codes]
    return Case(When(Q(**{f"{currency}__in": every_rare}), then=which), default=Value(usual), output_field=IntegerField())


@cache
def _currencies_by_digits() -> tuple[int, tuple[tuple[int, list[str]], ...]]:
    """The most common number of minor digits, and the currencies of each other number."""
    groups: dict[int, list[str]] = {}
    for code in sorted(known_currencies()):
        groups.setdefault(minor_digits(code), []).append(code)
    usual = max(groups, key=lambda digits: len(groups[digits]))
    return usual, tuple((digits, codes) for digits, codes in sorted(groups.items()) if digits != usual)
