"""``check-books``: verify the whole database against the money rules and the seal chain.

Every stored derived value is recomputed by the same function that wrote it and compared.
Reads in batches so it runs in flat memory over millions of documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from invoice_portal.audit.models import ChainHead, DocumentSeal
from invoice_portal.audit.services import chain_hash, content_hash
from invoice_portal.core.money import ZERO
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Status
from invoice_portal.invoices.services.documents import invoice_content, settled_status
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Payment, Refund


def supplier_allocation_sums(invoice_ids: list[int]) -> dict[int, Decimal]:
    """What payments to suppliers allocated to each of these (received) invoices."""
    from invoice_portal.payables.models import SupplierAllocation

    rows = SupplierAllocation.objects.filter(invoice_id__in=invoice_ids).values_list("invoice_id").annotate(s=Sum("amount"))
    return dict(rows)


BATCH = 2000


@dataclass(frozen=True)
class Violation:
    object: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.object}: {self.rule}: {self.detail}"


def _invoice_label(invoice: Invoice) -> str:
    return f"invoice {invoice.pk} ({invoice.number or 'draft'})"


def _batches() -> Iterator[list[Invoice]]:
    last = 0
    while True:
        batch = list(Invoice.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        if len(batch) < BATCH:
            return
        last = batch[-1].pk


def _check_invoices() -> Iterator[Violation]:
    for batch in _batches():
        ids = [inv.pk for inv in batch]
        lines: dict[int, list[InvoiceLine]] = defaultdict(list)
        for line in InvoiceLine.objects.filter(invoice_id__in=ids).order_by("invoice_id", "line_no"):
            lines[line.invoice_id].append(line)
        allocated_to: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for inv_id, amount in Allocation.objects.filter(invoice_id__in=ids).values_list("invoice_id").annotate(s=Sum("amount")):
            allocated_to[inv_id] = amount
        for inv_id, amount in supplier_allocation_sums(ids).items():
            allocated_to[inv_id] += amount
        applied_from: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for inv_id, amount in Allocation.objects.filter(credit_note_id__in=ids).values_list("credit_note_id").annotate(s=Sum("amount")):
            applied_from[inv_id] = amount
        for inv in batch:
            label = _invoice_label(inv)
            own = lines[inv.pk]
            totals = compute_totals(
                (LineInput(ln.quantity, ln.unit_price, ln.discount, ln.tax_category, ln.tax_rate) for ln in own),
                currency=inv.currency, discount=inv.discount, discount_tax_category=inv.discount_tax_category,
                discount_tax_rate=inv.discount_tax_rate,
            )  # fmt: skip
            for ln, net in zip(own, totals.line_nets, strict=True):
                if ln.net_amount != net:
                    yield Violation(label, "line_net", f"line {ln.line_no} stores {ln.net_amount}, its quantity × price gives {net}")
            for name in ("line_net_total", "allowance_total", "tax_exclusive_total", "tax_total", "total"):
                if getattr(inv, name) != getattr(totals, name):
                    yield Violation(label, "totals", f"{name} is {getattr(inv, name)}, the lines give {getattr(totals, name)}")
            allocated = allocated_to[inv.pk] + applied_from[inv.pk]
            if inv.allocated_total != allocated:
                yield Violation(label, "allocated", f"stores {inv.allocated_total} allocated, allocations add up to {allocated}")
            if inv.balance != inv.total - inv.allocated_total:
                yield Violation(label, "balance", f"balance {inv.balance} ≠ total {inv.total} − allocated {inv.allocated_total}")
            if allocated > inv.total:
                yield Violation(label, "over_allocated", f"{allocated} allocated to a total of {inv.total}")
            if inv.status in (Status.DRAFT, Status.CANCELED):
                if allocated:
                    yield Violation(label, "allocation_to_dead_document", f"{allocated} allocated while {inv.status}")
            elif inv.direction == Direction.ISSUED or inv.ap_status:
                expected = settled_status(total=inv.total, allocated=inv.allocated_total)
                if inv.status != expected:
                    yield Violation(label, "status", f"is {inv.status}, its allocations make it {expected}")
            if inv.status != Status.DRAFT and inv.direction == Direction.ISSUED and not inv.number:
                yield Violation(label, "number", "issued without a number")
            if inv.direction == Direction.RECEIVED:
                yield from _check_received(inv, label)


# A received document's money status follows its AP status: draft while a draft, canceled once
# rejected or canceled, live (open / partly paid / paid) otherwise.
_RECEIVED_DEAD = ("rejected", "canceled")


def _check_received(inv: Invoice, label: str) -> Iterator[Violation]:
    if not inv.number:
        yield Violation(label, "number", "a received document without the supplier's number")
    if not inv.ap_status:
        return  # recorded before AP intake existed
    expected = "draft" if inv.ap_status == "draft" else "canceled" if inv.ap_status in _RECEIVED_DEAD else None
    if expected is not None and inv.status != expected:
        yield Violation(label, "ap_status", f"is {inv.status} while its AP status is {inv.ap_status}")
    if expected is None and inv.status in (Status.DRAFT, Status.CANCELED):
        yield Violation(label, "ap_status", f"is {inv.status} while its AP status is {inv.ap_status}")


def _check_receipts() -> Iterator[Violation]:
    """No purchase-order line received beyond its quantity unless a receipt says why."""
    from invoice_portal.orders.models import OrderLine

    over = (
        OrderLine.objects.annotate(received=Sum("receipts__quantity"))
        .filter(received__gt=F("quantity"))
        .exclude(receipts__over_receipt_reason__gt="")
        .values_list("order_id", "line_no", "quantity", "received")
    )
    for order_id, line_no, quantity, received in over.order_by("order_id", "line_no"):
        yield Violation(f"purchase order {order_id}", "over_receipt", f"line {line_no}: {received} received of {quantity} without a reason")


def _payment_batches() -> Iterator[tuple[list[Payment], dict[int, Decimal], dict[int, Decimal]]]:
    """Payments in pk order, a batch at a time, with their allocation and refund sums (two grouped queries per batch)."""
    last = 0
    while batch := list(Payment.objects.filter(pk__gt=last).order_by("pk")[:BATCH]):
        last = batch[-1].pk
        ids = [p.pk for p in batch]
        allocated = dict(Allocation.objects.filter(payment_id__in=ids).values_list("payment_id").annotate(s=Sum("amount")))
        refunded = dict(Refund.objects.filter(payment_id__in=ids).values_list("payment_id").annotate(s=Sum("amount")))
        yield batch, allocated, refunded
        if len(batch) < BATCH:
            return


def _check_payments() -> Iterator[Violation]:
    for batch, sums, refund_sums in _payment_batches():
        yield from _check_payment_batch(batch, sums, refund_sums)
    yield from _check_allocation_currencies()


def _check_payment_batch(batch: list[Payment], sums: dict[int, Decimal], refund_sums: dict[int, Decimal]) -> Iterator[Violation]:
    for payment in batch:
        label = f"payment {payment.pk}"
        allocated = sums.get(payment.pk, ZERO)
        if payment.allocated_total != allocated:
            yield Violation(label, "allocated", f"stores {payment.allocated_total} allocated, allocations add up to {allocated}")
        if allocated > payment.amount - payment.refunded_amount:
            yield Violation(label, "over_allocated", f"{allocated} allocated from {payment.amount} less {payment.refunded_amount} refunded")
        if allocated and payment.status not in SETTLED_STATUSES:
            yield Violation(label, "allocation_from_unsettled_payment", f"{allocated} allocated while {payment.status}")
        refunds = refund_sums.get(payment.pk, ZERO)
        if refunds != payment.refunded_amount:
            yield Violation(label, "refunds", f"stores {payment.refunded_amount} refunded, refunds add up to {refunds}")


def _check_allocation_currencies() -> Iterator[Violation]:
    rows = Allocation.objects.filter(amount__gt=0).values_list("pk", "payment__currency", "credit_note__currency", "invoice__currency")
    for pk, payment_currency, credit_currency, invoice_currency in rows.order_by("pk").iterator(chunk_size=BATCH):
        source_currency = payment_currency or credit_currency
        if source_currency != invoice_currency:
            yield Violation(f"allocation {pk}", "currency", f"{source_currency} money on a {invoice_currency} invoice")


def _check_seals() -> Iterator[Violation]:
    previous = "0" * 64
    count = 0
    for seal in DocumentSeal.objects.order_by("pk").iterator(chunk_size=BATCH):
        count += 1
        if seal.prev_chain_hash != previous:
            yield Violation(f"seal {seal.pk}", "chain", "does not link to the seal before it")
        if chain_hash(seal.prev_chain_hash, seal.content_hash, seal.invoice_id, seal.version) != seal.chain_hash:
            yield Violation(f"seal {seal.pk}", "chain", "its chain hash does not match its content")
        previous = seal.chain_hash
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous or head.length != count):
        yield Violation("seal chain", "chain", "the chain head does not match the last seal (seals removed?)")
    # Issued documents once issued; received ones once submitted (``received_invoice_submit`` seals them).
    issued = Invoice.objects.exclude(status=Status.DRAFT).exclude(direction=Direction.RECEIVED, submitted_at__isnull=True).order_by("pk")
    last = 0
    while batch := list(issued.filter(pk__gt=last)[:BATCH].prefetch_related("lines")):
        last = batch[-1].pk
        latest: dict[int, tuple[int, str]] = {}
        for invoice_id, version, digest in (
            DocumentSeal.objects.filter(invoice_id__in=[i.pk for i in batch])
            .order_by("pk")
            .values_list("invoice_id", "version", "content_hash")
        ):
            latest[invoice_id] = (version, digest)
        for inv in batch:
            sealed = latest.get(inv.pk)
            if sealed is None:
                yield Violation(_invoice_label(inv), "seal", "issued but never sealed")
            elif sealed[0] != inv.version or content_hash(invoice_content(inv)) != sealed[1]:
                yield Violation(_invoice_label(inv), "tampered", "its stored content no longer matches its seal")
        if len(batch) < BATCH:
            return


def check_books() -> list[Violation]:
    from invoice_portal.payables.books import check_supplier_payments

    return [*_check_invoices(), *_check_payments(), *check_supplier_payments(), *_check_seals(), *_check_receipts()]
