"""Reads of invoice documents, and the derived per-line and summary statuses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Dispute, DisputeStatus, Invoice, InvoiceLine, Kind, Status


class LineStatus:
    NEW = ("new", "New", "New")
    PAID = ("paid", "Paid", "Payment received")
    DISPUTED = ("disputed", "Disputed", "Disputed")


@dataclass(frozen=True)
class LineView:
    line: InvoiceLine
    gross: Decimal
    code: str
    customer_status: str
    seller_status: str


def open_disputes() -> QuerySet[Dispute]:
    return Dispute.objects.filter(status=DisputeStatus.OPEN)


def with_flags(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate the derived badges: ``has_open_dispute`` (and ``is_overdue`` is a property)."""
    return invoices.annotate(has_open_dispute=Exists(open_disputes().filter(invoice=OuterRef("pk"))))


def overdue(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.filter(status__in=[Status.OPEN, Status.PARTIALLY_PAID], due_date__lt=timezone.localdate())


def line_views(invoice: Invoice) -> list[LineView]:
    """Each line's customer and seller status.

    Allocations are invoice-level; they settle lines in line order, each line counting
    with its share of VAT (the last line takes what rounding leaves), so a line reads
    Paid once the money allocated covers it and every line before it.
    """
    lines = list(invoice.lines.order_by("line_no"))
    disputed = set(open_disputes().filter(invoice=invoice).values_list("line_id", flat=True))
    views: list[LineView] = []
    remaining = invoice.allocated_total
    running = ZERO
    discount_share = invoice.allowance_total
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            gross = quantize(invoice.total - running, invoice.currency)
        else:
            gross = quantize(line.net_amount * (1 + line.tax_rate / 100), invoice.currency)
            if discount_share and invoice.line_net_total:
                gross -= quantize(
                    discount_share * line.net_amount / invoice.line_net_total * (1 + (invoice.discount_tax_rate or ZERO) / 100),
                    invoice.currency,
                )
        running += gross
        paid = invoice.status == Status.PAID or (invoice.status == Status.PARTIALLY_PAID and remaining >= gross)
        remaining -= min(remaining, gross)
        status = LineStatus.DISPUTED if line.pk in disputed else LineStatus.PAID if paid else LineStatus.NEW
        views.append(LineView(line=line, gross=gross, code=status[0], customer_status=status[1], seller_status=status[2]))
    return views


def invoice_summary_status(invoice: Invoice) -> str:
    """The Comergent summary: Disputed if any line is, else Paid / Partially Paid / New from the lines."""
    if invoice.kind == Kind.CREDIT_NOTE:
        return invoice.get_status_display()
    codes = [v.code for v in line_views(invoice)]
    if "disputed" in codes:
        return "Disputed"
    if codes and all(c == "paid" for c in codes):
        return "Paid"
    if invoice.allocated_total > ZERO:
        return "Partially Paid"
    return "New"
