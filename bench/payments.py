"""16 concurrent clients allocating payments to the same invoices: rate and over-allocation count."""

from __future__ import annotations

import threading
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


def run(per_client: int = 60, invoices: int = 8) -> None:
    company = Company.objects.create(name="Bench Payer", external_id=f"BENCH-PAYER-{time.time_ns()}", currency="USD")
    targets = []
    for _ in range(invoices):
        draft = invoice_create(actor=None, company=company, lines=[{"description": "Load", "quantity": "1", "unit_price": "1000.00"}])
        targets.append(invoice_issue(actor=None, invoice=draft))
    done = [0] * CLIENTS
    refused = [0] * CLIENTS
    errors: list[str] = []

    def client(n: int) -> None:
        try:
            for i in range(per_client):
                a, b = targets[(n + i) % invoices], targets[(n + i + 1) % invoices]
                try:
                    payment_record(actor=None, company=company, amount="10.00", currency="USD", method="wire",
                                   reference=f"bench-{n}-{i}", allocations=[(a, "6.00"), (b, "4.00")])  # fmt: skip
                    done[n] += 2
                except DomainError:
                    refused[n] += 1
        except Exception as exc:  # noqa: BLE001 - reported as a figure, not swallowed
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
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
