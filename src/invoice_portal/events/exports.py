"""ERP export of payments with their allocations: one CSV row per (payment, invoice) allocation.

The change feed carries the same allocations in each ``payment.*`` event; this file is for an
ERP that posts payments in batches. Payments without allocations (money on account) get one
row with an empty invoice. Seller staff who may view payments and export.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from invoice_portal.api.access import require
from invoice_portal.api.schemas import READ_ERRORS, Date, Id, responses
from invoice_portal.core.money import as_str
from invoice_portal.imports.exports import csv_chunks, neutralize
from invoice_portal.payments.models import Allocation, Payment

router = Router()
COLUMNS = [
    "payment_id", "payment_external_id", "company_id", "company_external_id", "company_name", "received_on", "method",
    "reference", "status", "currency", "payment_amount", "refunded_amount", "unallocated", "invoice_id", "invoice_number",
    "invoice_external_id", "allocated",
]  # fmt: skip
CSV_RESPONSE = {"200": {"description": "CSV, streamed", "content": {"text/csv": {"schema": {"type": "string"}}}}}


class AllocationExportQuery(Schema):
    received_from: Date | None = Field(None, description="Payments received on or after this day")
    received_to: Date | None = Field(None, description="Payments received on or before this day")
    company: Id | None = Field(None, description="Only this company's payments")


def payments_with_allocations(filters: AllocationExportQuery) -> QuerySet[Payment]:
    payments = Payment.objects.select_related("company").order_by("received_on", "pk")
    if filters.received_from:
        payments = payments.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        payments = payments.filter(received_on__lte=filters.received_to)
    if filters.company:
        payments = payments.filter(company_id=filters.company)
    live = Allocation.objects.filter(amount__gt=0).select_related("invoice").order_by("invoice_id")
    return payments.prefetch_related(Prefetch("allocations", queryset=live, to_attr="live_allocations"))


def _text(value: Any) -> str:
    return "" if value is None else neutralize(str(value))


def allocation_rows(payments: QuerySet[Payment]) -> Iterator[list[str]]:
    yield COLUMNS
    for payment in payments.iterator(chunk_size=1000):
        money = payment.currency
        head = [
            str(payment.pk), _text(payment.external_id), str(payment.company_id), _text(payment.company.external_id),
            _text(payment.company.name), payment.received_on.isoformat(), payment.method, _text(payment.reference), payment.status,
            money, as_str(payment.amount, money), as_str(payment.refunded_amount, money), as_str(payment.unallocated, money),
        ]  # fmt: skip
        allocations = payment.live_allocations  # type: ignore[attr-defined]
        if not allocations:
            yield [*head, "", "", "", ""]
        for allocation in allocations:
            invoice = allocation.invoice
            yield [*head, str(invoice.pk), _text(invoice.number), _text(invoice.external_id), as_str(allocation.amount, money)]


@router.get(
    "/payments/allocations.csv",
    response=responses({}, READ_ERRORS),
    summary="Export payments with their allocations for the ERP (CSV)",
    description=f"One row per allocation (a payment on account: one row without an invoice). Columns: {', '.join(COLUMNS)}.",
    openapi_extra={"responses": CSV_RESPONSE},
)
def export_payment_allocations(request: HttpRequest, filters: Query[AllocationExportQuery]) -> StreamingHttpResponse:
    require(request, "payments.view", "invoices.export")
    chunks = (chunk.encode() for chunk in csv_chunks(allocation_rows(payments_with_allocations(filters))))
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payment-allocations-{timezone.localdate():%Y%m%d}.csv"'
    return response
