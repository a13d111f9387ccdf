"""Purchase orders: upsert from the ERP or an import, close, cancel; their receiving status.

A purchase order is an ``orders.Order`` with ``direction="purchase"``: the supplier is its
company, the staff member who asked for it its ``requester``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, InvalidAmount, InvalidTransition, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.core.money import (
    MAX_AMOUNT,
    QUANTITY_PLACES,
    TAX_RATE_PLACES,
    UNIT_PRICE_PLACES,
    ZERO,
    check_currency,
    quantize,
    to_decimal,
)
from invoice_portal.documents.einvoice.units import check_unit_code
from invoice_portal.invoices.lines import check_tax
from invoice_portal.invoices.models import Direction as InvoiceDirection
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Direction, Order, OrderLine, OrderSource, PurchaseOrderStatus
from invoice_portal.orders.services import NewOrder, being_imported
from invoice_portal.payables.statuses import LIVE

PO_SOURCES = (OrderSource.API, OrderSource.CSV, OrderSource.ERP, OrderSource.RETROFIT, OrderSource.MANUAL)


def received_by_line(order: Order) -> dict[int, Decimal]:
    """Quantity received so far per line id of ``order``."""
    rows = OrderLine.objects.filter(order=order).annotate(received=Sum("receipts__quantity")).values_list("pk", "received")
    return {pk: received or ZERO for pk, received in rows}


def receiving_status(ordered: dict[int, Decimal], received: dict[int, Decimal]) -> PurchaseOrderStatus:
    """Open (nothing received), received (every line at least its quantity) or partly received."""
    if not any(received.get(pk, ZERO) > 0 for pk in ordered):
        return PurchaseOrderStatus.OPEN
    if all(received.get(pk, ZERO) >= qty for pk, qty in ordered.items()):
        return PurchaseOrderStatus.RECEIVED
    return PurchaseOrderStatus.PARTLY_RECEIVED


def refresh_receiving_status(order: Order) -> None:
    """Re-derive open / partly received / received on a locked order (closed and canceled stay)."""
    if order.po_status in (PurchaseOrderStatus.CLOSED, PurchaseOrderStatus.CANCELED):
        return
    ordered = dict(OrderLine.objects.filter(order=order).values_list("pk", "quantity"))
    status = receiving_status(ordered, received_by_line(order))
    if status != order.po_status:
        order.po_status = status
        order.save(update_fields=["po_status", "updated_at"])


def parse_po_lines(raw_lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not raw_lines:
        raise ValidationFailed("lines: a purchase order has at least one line.", field="lines")
    if len(raw_lines) > 1000:
        raise ValidationFailed("lines: at most 1000 lines per purchase order.", field="lines")
    parsed = []
    for i, raw in enumerate(raw_lines):
        prefix = f"lines[{i}]"
        description = str(raw.get("description") or "").strip()
        if not description:
            raise ValidationFailed(f"{prefix}.description: required.", field=f"{prefix}.description")
        quantity = to_decimal(raw.get("quantity", "1"), field=f"{prefix}.quantity", places=QUANTITY_PLACES)
        if quantity <= 0:
            raise ValidationFailed(f"{prefix}.quantity: must be above zero.", field=f"{prefix}.quantity")
        price = to_decimal(raw.get("unit_price"), field=f"{prefix}.unit_price", places=UNIT_PRICE_PLACES)
        rate = to_decimal(raw.get("tax_rate", "0"), field=f"{prefix}.tax_rate", places=TAX_RATE_PLACES)
        category = str(raw.get("tax_category") or ("S" if rate else "Z"))
        check_tax(category, rate, field=f"{prefix}.tax_rate")
        unit = str(raw.get("unit_code") or "C62").strip().upper()
        check_unit_code(unit, label=f"Line {i + 1}, unit", field=f"{prefix}.unit_code")
        parsed.append({
            "line_no": i + 1, "sku": str(raw.get("sku") or "")[:100], "description": description[:500], "quantity": quantity,
            "unit_code": unit, "unit_price": price, "tax_category": category, "tax_rate": rate,
        })  # fmt: skip
    return parsed


def _totals(parsed: list[dict[str, Any]], currency: str) -> tuple[Decimal, Decimal]:
    subtotal = sum((quantize(p["quantity"] * p["unit_price"], currency) for p in parsed), ZERO)
    tax = sum((quantize(quantize(p["quantity"] * p["unit_price"], currency) * p["tax_rate"] / 100, currency) for p in parsed), ZERO)
    if subtotal + tax > MAX_AMOUNT:
        raise InvalidAmount(f"lines: the order total {subtotal + tax} is too large.", field="lines")
    return subtotal, tax


def purchase_order_view(order: Order, lines: Sequence[OrderLine] | None = None) -> dict[str, Any]:
    """What the audit trail keeps of a purchase order (``lines``: a new order's lines, not written yet)."""
    if lines is None:
        lines = list(order.lines.order_by("line_no"))
    return {
        "number": order.po_number, "supplier": order.company_id, "requester": order.requester_id, "currency": order.currency,
        "po_status": order.po_status, "no_invoice_expected": order.no_invoice_expected, "total": f"{order.total.normalize():f}",
        "lines": [
            [ln.line_no, ln.sku, ln.description, f"{ln.quantity.normalize():f}", ln.unit_code, f"{ln.unit_price.normalize():f}",
             f"{ln.tax_rate.normalize():f}"]
            for ln in sorted(lines, key=lambda ln: ln.line_no)
        ],
    }  # fmt: skip


def check_supplier(company: Company, *, field: str = "supplier") -> None:
    if not company.is_supplier:
        raise ValidationFailed(f"{field}: {company} is not a supplier (switch its supplier role on first).", field=field)


def check_requester(requester: Any) -> None:
    if requester is not None and (requester.company_id is not None or not requester.is_active):
        raise ValidationFailed("requester: an active member of our own staff.", field="requester")


def _checked(
    *, source: str, external_id: str, supplier: Company, lines: list[dict[str, Any]], currency: str | None, requester: Any
) -> tuple[str, str, list[dict[str, Any]], Decimal, Decimal]:
    """The rules of a purchase order's content: returns its external id, currency, parsed lines, subtotal and tax."""
    if source not in PO_SOURCES:
        raise ValidationFailed(f"source: one of {', '.join(PO_SOURCES)}.", field="source")
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationFailed("external_id: required.", field="external_id")
    check_supplier(supplier)
    check_requester(requester)
    currency = check_currency(currency or supplier.currency)
    parsed = parse_po_lines(lines)
    subtotal, tax = _totals(parsed, currency)
    return external_id, currency, parsed, subtotal, tax


def purchase_order_prepare(
    *,
    source: str,
    external_id: str,
    supplier: Company,
    lines: list[dict[str, Any]],
    number: str = "",
    currency: str | None = None,
    order_date: dt.date | None = None,
    requester: Any = None,
    no_invoice_expected: bool = False,
) -> NewOrder:
    """Everything ``purchase_order_upsert`` checks and writes for a new purchase order, without writing (imports
    write many at once)."""
    checked = _checked(source=source, external_id=external_id, supplier=supplier, lines=lines, currency=currency, requester=requester)
    return _new_purchase_order(checked, source=source, supplier=supplier, number=number, order_date=order_date, requester=requester,
                               no_invoice_expected=no_invoice_expected)  # fmt: skip


def _new_purchase_order(
    checked: tuple[str, str, list[dict[str, Any]], Decimal, Decimal], *, source: str, supplier: Company, number: str,
    order_date: dt.date | None, requester: Any, no_invoice_expected: bool,
) -> NewOrder:  # fmt: skip
    external_id, currency, parsed, subtotal, tax = checked
    order = Order(
        direction=Direction.PURCHASE, source=source, external_id=external_id, company=supplier, currency=currency,
        order_date=order_date or dt.date.today(), status="open", po_status=PurchaseOrderStatus.OPEN,
        po_number=(number or external_id)[:100], requester=requester, no_invoice_expected=no_invoice_expected,
        subtotal=subtotal, tax_total=tax, total=subtotal + tax,
    )  # fmt: skip
    lines = [OrderLine(order=order, **p) for p in parsed]
    return NewOrder(order, lines, "purchase_order.create", purchase_order_view(order, lines))


@transaction.atomic
def purchase_order_upsert(
    *,
    actor: Any,
    source: str,
    external_id: str,
    supplier: Company,
    lines: list[dict[str, Any]],
    number: str = "",
    currency: str | None = None,
    order_date: dt.date | None = None,
    requester: Any = None,
    no_invoice_expected: bool = False,
) -> tuple[Order, bool]:
    """Create or update the purchase order known as (source, external_id). Returns (order, created).

    A line already received or invoiced keeps its line and never drops below what was received;
    a closed or canceled order is not changed any more. A replay of the same content changes nothing.
    """
    checked = _checked(source=source, external_id=external_id, supplier=supplier, lines=lines, currency=currency, requester=requester)
    external_id, currency, parsed, subtotal, tax = checked
    number = (number or external_id)[:100]
    order = Order.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if order is None:
        new = _new_purchase_order(checked, source=source, supplier=supplier, number=number, order_date=order_date, requester=requester,
                                  no_invoice_expected=no_invoice_expected)  # fmt: skip
        try:
            with transaction.atomic():
                new.order.save(force_insert=True)
        except IntegrityError:
            order = Order.objects.select_for_update().filter(source=source, external_id=external_id).first()
            if order is None:
                raise being_imported(source, external_id) from None
        else:
            OrderLine.objects.bulk_create(new.lines)
            audit_record(actor=actor, obj=new.order, action=new.action, before=None, after=new.audit)
            return new.order, True
    if order.direction != Direction.PURCHASE:
        raise Conflict(f"external_id: '{external_id}' from {source} is a sales order.", code="not_a_purchase_order")
    if order.company_id != supplier.pk:
        raise ValidationFailed("supplier: a purchase order cannot move to another supplier.", field="supplier")
    if order.currency != currency:
        raise ValidationFailed(f"currency: the purchase order is in {order.currency}.", field="currency")
    before = purchase_order_view(order)
    if order.po_status in (PurchaseOrderStatus.CLOSED, PurchaseOrderStatus.CANCELED):
        raise InvalidTransition(f"Purchase order {order.po_number} is {order.get_po_status_display().lower()}; it no longer changes.")
    order.po_number, order.no_invoice_expected = number, no_invoice_expected
    order.subtotal, order.tax_total, order.total = subtotal, tax, subtotal + tax
    if order_date:
        order.order_date = order_date
    if requester is not None:
        order.requester = requester
    _revise_lines(order, parsed)
    order.save()
    refresh_receiving_status(order)
    after = purchase_order_view(order)
    if after != before:
        audit_record(actor=actor, obj=order, action="purchase_order.update", before=before, after=after)
    return order, False


@transaction.atomic
def purchase_order_create(
    *,
    actor: Any,
    supplier: Company,
    number: str,
    lines: list[dict[str, Any]],
    requester: Any = None,
    currency: str | None = None,
    order_date: dt.date | None = None,
    no_invoice_expected: bool = False,
) -> Order:
    """A purchase order keyed by hand in AP: a new PO number, then the upsert's rules (the ERP's and import's) apply.

    The number is the PO's identity (its external id under the "manual" source) and must not be taken by
    any purchase order yet; a keyed PO is never silently merged into an existing one.
    """
    number = (number or "").strip()
    if not number:
        raise ValidationFailed("number: the PO number is required.", field="number")
    if len(number) > 100:
        raise ValidationFailed("number: at most 100 characters.", field="number")
    if Order.objects.filter(direction=Direction.PURCHASE, po_number__iexact=number).exists():
        raise Conflict(f"number: purchase order {number} exists already.", field="number", code="duplicate_po_number")
    order, created = purchase_order_upsert(
        actor=actor, source=OrderSource.MANUAL, external_id=number, supplier=supplier, lines=lines, number=number,
        currency=currency, order_date=order_date, requester=requester, no_invoice_expected=no_invoice_expected,
    )  # fmt: skip
    if not created:  # keyed at the same moment by someone else: their order stands, this one rolls back
        raise Conflict(f"number: purchase order {number} exists already.", field="number", code="duplicate_po_number")
    return order


def _revise_lines(order: Order, parsed: list[dict[str, Any]]) -> None:
    existing = {ln.line_no: ln for ln in order.lines.all()}
    received = received_by_line(order)
    for p in parsed:
        line = existing.pop(p["line_no"], None)
        if line is None:
            OrderLine.objects.create(order=order, **p)
            continue
        if p["quantity"] < received.get(line.pk, ZERO):
            raise ValidationFailed(
                f"lines[{p['line_no'] - 1}].quantity: {received[line.pk].normalize():f} were received already.",
                field=f"lines[{p['line_no'] - 1}].quantity",
            )
        if any(getattr(line, key) != value for key, value in p.items()):
            for key, value in p.items():
                setattr(line, key, value)
            line.save()
    for line in existing.values():
        if received.get(line.pk, ZERO) > 0 or line.invoice_lines.exists():
            raise ValidationFailed(f"lines: line {line.line_no} has been received or invoiced and cannot be removed.", field="lines")
        line.delete()


def cancel_refusal(order: Order) -> str | None:
    """Why ``order`` can no longer be canceled (goods received, or a live invoice on it), or None when it can."""
    if order.po_status in (PurchaseOrderStatus.CLOSED, PurchaseOrderStatus.CANCELED):
        return f"Purchase order {order.po_number} is {order.get_po_status_display().lower()} already."
    if order.po_status != PurchaseOrderStatus.OPEN:
        return f"Purchase order {order.po_number} has receipts; close it instead of canceling it."
    if Invoice.objects.filter(order=order, direction=InvoiceDirection.RECEIVED, ap_status__in=LIVE).exists():
        return f"Purchase order {order.po_number} has invoices against it; close it instead of canceling it."
    return None


@transaction.atomic
def purchase_order_close(*, actor: Any, order: Order, cancel: bool = False) -> Order:
    """Close a purchase order (nothing more is expected on it) or cancel it (it was never needed).

    Cancel only while nothing was received and no live invoice (anything but draft, rejected or
    canceled) points at it: what was delivered or billed must stay on a closed order, not vanish.
    A closed or canceled order is final. Receipts and invoices take the same row lock, so a
    receipt recorded at the same moment either lands first (cancel refused) or finds it canceled.
    """
    order = lock_one(Order, order.pk)
    if order.direction != Direction.PURCHASE:
        raise InvalidTransition(f"{order} is not a purchase order.")
    if order.po_status in (PurchaseOrderStatus.CLOSED, PurchaseOrderStatus.CANCELED):
        raise InvalidTransition(f"Purchase order {order.po_number} is {order.get_po_status_display().lower()} already.")
    if cancel and (refusal := cancel_refusal(order)):
        raise InvalidTransition(refusal)
    before = purchase_order_view(order)
    order.po_status = PurchaseOrderStatus.CANCELED if cancel else PurchaseOrderStatus.CLOSED
    order.is_canceled = cancel
    order.save(update_fields=["po_status", "is_canceled", "updated_at"])
    audit_record(actor=actor, obj=order, action="purchase_order.cancel" if cancel else "purchase_order.close", before=before,
                 after=purchase_order_view(order))  # fmt: skip
    return order
