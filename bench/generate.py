"""Fast synthetic data for the benchmarks: COPY straight into PostgreSQL.

Companies, buyer users, store/ERP orders, invoices with 3 lines each, and for settled invoices a
payment with its allocation, all consistent with the money rules (totals from lines with the
project's rounding rule, balance = total − allocated, status from allocations). Documents are not
sealed (the seal chain is built by the issuing service, one document at a time); `check-books`
is not meant for the bench database.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import timezone

from invoice_portal.accounts.models import Role, User
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import Allocation, Payment

CURRENCIES = ("USD", "EUR", "GBP")
STATUSES = (("paid", 55), ("open", 20), ("partially_paid", 10), ("draft", 5), ("canceled", 5), ("open_overdue", 5))
SOURCES = (("order", 40), ("erp", 35), ("manual", 10), ("api", 10), ("csv", 5))
WORDS = ("Steel", "Bolt", "Panel", "Cable", "Valve", "Pump", "Filter", "Bracket", "Sensor", "Motor", "Gasket", "Hinge")


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _copy(model: type[Any], columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _reset_sequences(*models: type[Any]) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")


def existing_scale() -> int:
    return Invoice.objects.filter(external_id__startswith="BENCH-").count()


def truncate() -> None:
    tables = [m._meta.db_table for m in (Allocation, Payment, InvoiceLine, Invoice, Order, User, Company)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}, audit_auditevent, audit_documentseal, payments_refund, invoices_dispute CASCADE")


def generate(*, invoices: int, companies: int, seed: int = 2026) -> dict[str, float]:
    """Fill the bench database; returns timings."""
    rng = random.Random(seed)
    started = time.perf_counter()
    truncate()
    today = timezone.localdate()
    now = timezone.now()
    buyer_role = Role.objects.get(code="buyer").pk

    _copy(
        Company,
        ["id", "name", "external_id", "tax_id", "is_customer", "is_supplier", "currency", "payment_terms_days", "email", "phone",
         "address_line1", "address_line2", "city", "postal_code", "country", "created_at"],
        (
            (i, f"{rng.choice(WORDS)} {rng.choice(WORDS)} Co {i}", f"EXT-{i:06d}", f"TAX{i:08d}", True, False,
             CURRENCIES[i % 3], rng.choice((14, 30, 45, 60)), f"ap{i}@bench.test", "", f"{i} Main St", "", "Springfield",
             f"{i % 99999:05d}", "US", now)
            for i in range(1, companies + 1)
        ),
    )  # fmt: skip
    _copy(
        User,
        ["id", "password", "email", "full_name", "company_id", "role_id", "is_active", "is_staff", "is_superuser", "date_joined"],
        ((i, "!", f"buyer{i}@bench.test", f"Buyer {i}", i, buyer_role, True, False, False, now) for i in range(1, companies + 1)),
    )

    numbers: dict[int, int] = {}
    ids = {"line": 0, "order": 0, "payment": 0}
    build_s = copy_s = 0.0
    for chunk_start in range(1, invoices + 1, CHUNK):
        t0 = time.perf_counter()
        rows = _chunk(rng, range(chunk_start, min(chunk_start + CHUNK, invoices + 1)), companies, today, now, numbers, ids)
        t1 = time.perf_counter()
        for model, columns, data in zip((Order, Invoice, InvoiceLine, Payment, Allocation), COLUMNS, rows, strict=True):
            _copy(model, columns, iter(data))
        build_s += t1 - t0
        copy_s += time.perf_counter() - t1
    _reset_sequences(Company, User, Order, Invoice, InvoiceLine, Payment, Allocation)
    with connection.cursor() as cursor:
        for model in (Company, User, Order, Invoice, InvoiceLine, Payment, Allocation):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")  # the steady state autovacuum keeps
    return {"build_s": build_s, "copy_s": copy_s, "total_s": time.perf_counter() - started, "lines": float(ids["line"])}


CHUNK = 50_000
COLUMNS = (
    ["id", "direction", "source", "external_id", "company_id", "placed_by_id", "status", "is_canceled", "po_number", "currency",
     "order_date", "subtotal", "tax_total", "total", "flag_updated", "flag_canceled", "created_at", "updated_at"],
    ["id", "kind", "direction", "source", "status", "company_id", "order_id", "external_id", "number", "po_number", "currency",
     "issue_date", "due_date", "notes", "payment_instructions", "discount", "discount_tax_category", "line_net_total",
     "allowance_total", "tax_exclusive_total", "tax_total", "total", "allocated_total", "balance", "version", "created_at",
     "updated_at", "issued_at"],
    ["id", "invoice_id", "line_no", "kind", "sku", "description", "quantity", "unit_code", "unit_price", "discount", "tax_category",
     "tax_rate", "net_amount"],
    ["id", "company_id", "amount", "currency", "method", "reference", "received_on", "status", "refunded_amount", "allocated_total",
     "gateway", "gateway_reference", "notes", "created_at"],
    ["id", "payment_id", "invoice_id", "amount", "created_at", "updated_at"],
)  # fmt: skip


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _chunk(
    rng: random.Random, invoice_ids: range, companies: int, today: dt.date, now: dt.datetime, numbers: dict[int, int], ids: dict[str, int]
) -> tuple[list[tuple[Any, ...]], ...]:
    orders: list[tuple[Any, ...]] = []
    docs: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []
    for inv_id in invoice_ids:
        company = rng.randint(1, companies)
        currency = CURRENCIES[company % 3]
        status = _weighted(rng, STATUSES)
        source = _weighted(rng, SOURCES)
        issue = today - dt.timedelta(days=rng.randint(0, 1100))
        if status == "open_overdue":
            status, issue = "open", today - dt.timedelta(days=rng.randint(40, 200))
        elif status in ("open", "partially_paid"):
            issue = today - dt.timedelta(days=rng.randint(0, 25))
        due = issue + dt.timedelta(days=30)
        order_ref = None
        if source == "order" or (source == "erp" and rng.random() < 0.5):
            ids["order"] += 1
            order_ref = ids["order"]
            orders.append((order_ref, "sales", "bigcommerce", f"BC-{order_ref}", company, company, "completed", False, "",
                           currency, issue, 0, 0, 0, False, False, now, now))  # fmt: skip
        rate = rng.choice((0, 20))
        base = 0
        for n in range(1, 4):
            ids["line"] += 1
            qty = rng.randint(1, 10)
            price = rng.randint(100, 50000)  # cents
            base += qty * price
            lines.append((ids["line"], inv_id, n, "item" if n < 3 else "cost", f"SKU-{rng.randint(1, 5000)}",
                          f"{rng.choice(WORDS)} {rng.choice(WORDS)}", qty, "C62", _money(price), 0,
                          "S" if rate else "Z", rate, _money(qty * price)))  # fmt: skip
        tax = (base * rate + 50) // 100  # half-up, on the category base
        total = base + tax
        allocated = {"paid": total, "partially_paid": total // 2}.get(status, 0)
        number = None
        if status != "draft":
            numbers[issue.year] = numbers.get(issue.year, 0) + 1
            number = f"INV-{issue.year}-{numbers[issue.year]:07d}"
        docs.append((
            inv_id, "invoice", "issued", source, status, company, order_ref, f"BENCH-{inv_id}", number, f"PO-{inv_id % 9973}",
            currency, issue, due, "", "", 0, "", _money(base), 0, _money(base), _money(tax), _money(total), _money(allocated),
            _money(total - allocated), 1, now, now, now if status != "draft" else None,
        ))  # fmt: skip
        if allocated:
            ids["payment"] += 1
            pid = ids["payment"]
            method = rng.choice(("card", "check", "wire", "bank"))
            received = issue + dt.timedelta(days=rng.randint(0, 30))
            payments.append((pid, company, _money(allocated), currency, method, f"REF-{pid}", received, "succeeded", 0,
                             _money(allocated), "", "", "", now))  # fmt: skip
            allocations.append((pid, pid, inv_id, _money(allocated), now, now))
    return orders, docs, lines, payments, allocations
