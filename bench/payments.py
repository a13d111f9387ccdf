"""16 concurrent clients allocating payments to the same invoices: rate and over-allocation count."""

from __future__ import annotations

import multiprocessing
import time
from decimal import Decimal

from django.db import close_old_connections, connection
from django.db.models import F

from bench.harness import emit
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.payments.services import payment_record

CLIENTS = 16


def _client(n: int, per_client: int, company_id: int, target_ids: list[int]) -> tuple[int, int, list[str]]:
    """One client process: pays 10.00 split 6.00/4.00 over two of the shared invoices, ``per_client`` times."""
    company = Company.objects.get(pk=company_id)
    done = refused = 0
    errors: list[str] = []
    try:
        for i in range(per_client):
            a, b = target_ids[(n + i) % len(target_ids)], target_ids[(n + i + 1) % len(target_ids)]
            try:
                payment_record(actor=None, company=company, amount="10.00", currency="USD", method="wire",
                               reference=f"bench-{n}-{i}", allocations=[(a, "6.00"), (b, "4.00")])  # fmt: skip
                done += 2
            except DomainError:
                refused += 1
    except Exception as exc:  # noqa: BLE001 - reported as a figure, not swallowed
        errors.append(repr(exc))
    finally:
        connection.close()
    return done, refused, errors


def run(per_client: int = 60, invoices: int = 8) -> None:
    company = Company.objects.create(name="Bench Payer", external_id=f"BENCH-PAYER-{time.time_ns()}", currency="USD")
    targets = []
    for _ in range(invoices):
        draft = invoice_create(actor=None, company=company, lines=[{"description": "Load", "quantity": "1", "unit_price": "1000.00"}])
        targets.append(invoice_issue(actor=None, invoice=draft))
    target_ids = [t.pk for t in targets]
    connection.close()  # each forked client opens its own connection
    ctx = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with ctx.Pool(CLIENTS) as pool:
        results = pool.starmap(_client, [(n, per_client, company.pk, target_ids) for n in range(CLIENTS)])
    elapsed = time.perf_counter() - started
    done = [r[0] for r in results]
    refused = [r[1] for r in results]
    errors = [e for r in results for e in r[2]]
    close_old_connections()
    over = Invoice.objects.filter(pk__in=[t.pk for t in targets], allocated_total__gt=F("total")).count()
    emit(
        "payments.allocations_per_s",
        sum(done) / elapsed,
        "allocations/s",
        sum(done),
        clients=CLIENTS,
        refused=sum(refused),
        errors=len(errors),
    )
    emit("payments.over_allocated_invoices", over, "invoices", invoices)
    total_allocated = sum((Invoice.objects.get(pk=t.pk).allocated_total for t in targets), Decimal(0))
    emit("payments.allocated_sum_matches", float(total_allocated == Decimal(sum(done) // 2 * 10)), "bool", 1)
