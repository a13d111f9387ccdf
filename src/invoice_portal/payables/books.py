"""check-books for payments to suppliers: each payment's stored allocated total, its allocations' currency and targets.

The invoices' side (allocated total and balance of each received invoice, counting these allocations) is
checked with every other invoice in ``invoices.books``.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Sum

from invoice_portal.core.money import ZERO
from invoice_portal.invoices.books import BATCH, Violation
from invoice_portal.invoices.models import Direction
from invoice_portal.payables.models import SupplierAllocation, SupplierPayment
from invoice_portal.payables.services.supplier_payments import PAYABLE
from invoice_portal.payments.models import Allocation


def check_supplier_payments() -> Iterator[Violation]:
    last = 0
    while batch := list(SupplierPayment.objects.filter(pk__gt=last).order_by("pk")[:BATCH]):
        last = batch[-1].pk
        sums = dict(
            SupplierAllocation.objects.filter(payment_id__in=[p.pk for p in batch]).values_list("payment_id").annotate(s=Sum("amount"))
        )
        for payment in batch:
            allocated = sums.get(payment.pk, ZERO)
            label = f"supplier payment {payment.pk}"
            if payment.allocated_total != allocated:
                yield Violation(label, "allocated", f"stores {payment.allocated_total} allocated, allocations add up to {allocated}")
            if allocated > payment.amount:
                yield Violation(label, "over_allocated", f"{allocated} allocated from {payment.amount}")
    rows = SupplierAllocation.objects.values_list(
        "pk", "payment__currency", "payment__supplier_id", "invoice__currency", "invoice__company_id", "invoice__direction",
        "invoice__ap_status",
    )  # fmt: skip
    for pk, currency, supplier_id, invoice_currency, company_id, direction, ap_status in rows.order_by("pk").iterator(chunk_size=BATCH):
        label = f"supplier allocation {pk}"
        if currency != invoice_currency:
            yield Violation(label, "currency", f"{currency} money on a {invoice_currency} invoice")
        if direction != Direction.RECEIVED or company_id != supplier_id:
            yield Violation(label, "target", "money paid to a supplier settles an invoice that is not that supplier's")
        elif ap_status not in PAYABLE:
            yield Violation(label, "target", f"money paid on an invoice that is {ap_status}")
    # Money received from customers never settles what we owe suppliers.
    for pk in Allocation.objects.filter(invoice__direction=Direction.RECEIVED, amount__gt=0).values_list("pk", flat=True).order_by("pk"):
        yield Violation(f"allocation {pk}", "target", "a customer's money allocated to a received invoice")
