"""Invoice list queries: the dashboard selector at 1M rows, and the same SQL run raw (the limit)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from bench.harness import emit_latency, time_calls
from bench.web import number_prefixes
from invoice_portal.invoices.models import Direction, Invoice
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list

PAGE = 50


def filter_combinations(companies: int) -> dict[str, Callable[[int], InvoiceFilters]]:
    rng = random.Random(7)
    today = timezone.localdate()
    prefixes = number_prefixes(64, seed=7)  # drawn from the data, as the web suite's (made-up ones matched nothing at 10k)
    return {
        "status_open": lambda i: InvoiceFilters(status="open"),
        "customer_external_id": lambda i: InvoiceFilters(customer=f"EXT-{rng.randint(1, companies):06d}"),
        "number_prefix": lambda i: InvoiceFilters(number=prefixes[i % len(prefixes)]),
        "overdue_by_due_date": lambda i: InvoiceFilters(overdue=True, sort="due_date"),
        "issued_range_and_source": lambda i: InvoiceFilters(
            issued_from=today - dt.timedelta(days=60 + i), issued_to=today - dt.timedelta(days=30 + i), source="erp"
        ),
    }


def _page(filters: InvoiceFilters) -> QuerySet[Invoice]:
    # What the seller dashboard runs: staff see the issued documents (``invoices_visible_to``), so
    # every query carries the ``direction`` filter; timing it without would time a query no page runs.
    return invoice_list(Invoice.objects.filter(direction=Direction.ISSUED), filters)[:PAGE]


def run(companies: int, runs: int = 40) -> None:
    for name, make in filter_combinations(companies).items():

        def orm(i: int, make: Callable[[int], InvoiceFilters] = make) -> None:
            list(_page(make(i)))

        emit_latency(f"invoice_list.selector.{name}", time_calls(orm, runs))

        def raw(i: int, make: Callable[[int], InvoiceFilters] = make) -> None:
            sql, params = _page(make(i)).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        emit_latency(f"invoice_list.raw_sql.{name}", time_calls(raw, runs))
