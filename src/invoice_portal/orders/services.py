"""Orders mirrored from the store or ERP: upsert by (source, external id), flags after invoicing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, InvalidAmount, ValidationFailed
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
from invoice_portal.invoices.lines import check_tax
from invoice_portal.orders.models import Direction, Order, OrderLine, OrderSource, PurchaseOrderStatus


def _parse_lines(raw_lines: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    if not raw_lines:
        raise ValidationFailed("lines: an order has at least one line.", field="lines")
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
        parsed.append({"line_no": i + 1, "sku": str(raw.get("sku") or ""), "description": description,
                       "quantity": quantity, "unit_price": price, "tax_category": category, "tax_rate": rate})  # fmt: skip
    return parsed


def _content(order: Order, lines: Sequence[OrderLine] | None = None) -> dict[str, Any]:
    """What the audit trail keeps of an order (``lines``: a new order's lines, not written yet)."""
    if lines is None:
        lines = list(order.lines.order_by("line_no"))
    # Amounts normalized: the stored 68.5000 and the freshly computed 68.50 are the same content, so a replay is no change.
    return {
        "status": order.status, "is_canceled": order.is_canceled, "total": f"{order.total.normalize():f}", "po_number": order.po_number,
        "lines": [
            [ln.sku, ln.description, f"{ln.quantity.normalize():f}", f"{ln.unit_price.normalize():f}", f"{ln.tax_rate.normalize():f}"]
            for ln in sorted(lines, key=lambda ln: ln.line_no)
        ],
    }  # fmt: skip


def _is_invoiced(order: Order) -> bool:
    return order.invoices.exclude(status="canceled").exists()


@dataclass
class NewOrder:
    """An order checked and computed in memory, waiting to be written: the order, its lines and what is audited."""

    order: Order
    lines: list[OrderLine]
    action: str
    audit: dict[str, Any]


def _checked(
    *, source: str, external_id: str, company: Company, lines: list[dict[str, Any]], currency: str | None, placed_by: Any, direction: str
) -> tuple[str, list[dict[str, Any]], Decimal, Decimal]:
    """The rules of an order's content: returns its currency, parsed lines, subtotal and tax."""
    if source not in OrderSource.values:
        raise ValidationFailed(f"source: one of {', '.join(OrderSource.values)}.", field="source")
    if not external_id:
        raise ValidationFailed("external_id: required.", field="external_id")
    if direction not in Direction.values:
        raise ValidationFailed("direction: sales or purchase.", field="direction")
    currency = check_currency(currency or company.currency)
    parsed = _parse_lines(lines, currency)
    subtotal = sum((quantize(p["quantity"] * p["unit_price"], currency) for p in parsed), ZERO)
    tax = sum((quantize(quantize(p["quantity"] * p["unit_price"], currency) * p["tax_rate"] / 100, currency) for p in parsed), ZERO)
    if subtotal + tax > MAX_AMOUNT:
        raise InvalidAmount(f"lines: the order total {subtotal + tax} is too large.", field="lines")
    if placed_by is not None and placed_by.company_id not in (company.pk, None):
        raise ValidationFailed("placed_by: a user of another company.", field="placed_by")
    return currency, parsed, subtotal, tax


def order_prepare(
    *,
    source: str,
    external_id: str,
    company: Company,
    lines: list[dict[str, Any]],
    currency: str | None = None,
    order_date: dt.date | None = None,
    status: str = "pending",
    placed_by: Any = None,
    po_number: str = "",
    direction: str = Direction.SALES,
) -> NewOrder:
    """Everything ``order_upsert`` checks and writes for a new order, without writing (imports write many at once)."""
    checked = _checked(
        source=source, external_id=external_id, company=company, lines=lines, currency=currency, placed_by=placed_by, direction=direction
    )
    return _new_order(checked, source=source, external_id=external_id, company=company, order_date=order_date, status=status,
                      placed_by=placed_by, po_number=po_number, direction=direction)  # fmt: skip


def _new_order(
    checked: tuple[str, list[dict[str, Any]], Decimal, Decimal], *, source: str, external_id: str, company: Company,
    order_date: dt.date | None, status: str, placed_by: Any, po_number: str, direction: str,
) -> NewOrder:  # fmt: skip
    currency, parsed, subtotal, tax = checked
    order = Order(
        source=source, external_id=external_id, company=company, currency=currency, direction=direction,
        order_date=order_date or dt.date.today(), status=status, placed_by=placed_by, po_number=po_number,
        po_status=PurchaseOrderStatus.OPEN if direction == Direction.PURCHASE else "",
        subtotal=subtotal, tax_total=tax, total=subtotal + tax,
    )  # fmt: skip
    order_lines = [OrderLine(order=order, **p) for p in parsed]
    return NewOrder(order, order_lines, "order.create", _content(order, order_lines))


def being_imported(source: str, external_id: str) -> Conflict:
    """The answer to a writer of an order an import batch is staging (SQLite): it exists, hidden, until the batch ends."""
    return Conflict(
        f"external_id: order '{external_id}' from {source} is being imported right now; send it again when the import has finished.",
        field="external_id", code="being_imported",
    )  # fmt: skip


@transaction.atomic
def order_upsert(
    *,
    actor: Any,
    source: str,
    external_id: str,
    company: Company,
    lines: list[dict[str, Any]],
    currency: str | None = None,
    order_date: dt.date | None = None,
    status: str = "pending",
    placed_by: Any = None,
    po_number: str = "",
    direction: str = Direction.SALES,
) -> tuple[Order, bool]:
    """Create or update the order known as (source, external_id). Returns (order, created).

    A change to an order that was already invoiced raises its ``updated`` flag; a replay of
    the same content changes nothing.
    """
    checked = _checked(
        source=source, external_id=external_id, company=company, lines=lines, currency=currency, placed_by=placed_by, direction=direction
    )
    currency, parsed, subtotal, tax = checked
    order = Order.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if order is None:
        new = _new_order(checked, source=source, external_id=external_id, company=company, order_date=order_date, status=status,
                         placed_by=placed_by, po_number=po_number, direction=direction)  # fmt: skip
        try:
            with transaction.atomic():
                new.order.save(force_insert=True)
        except IntegrityError:
            # A concurrent delivery of the same order created it first: update that one.
            order = Order.objects.select_for_update().filter(source=source, external_id=external_id).first()
            if order is None:
                raise being_imported(source, external_id) from None
        else:
            OrderLine.objects.bulk_create(new.lines)
            audit_record(actor=actor, obj=new.order, action=new.action, before=None, after=new.audit)
            return new.order, True
    before = _content(order)
    if order.company_id != company.pk:
        raise ValidationFailed("company: an order cannot move to another company.", field="company")
    if order.currency != currency:
        raise ValidationFailed(f"currency: the order is in {order.currency}.", field="currency")
    order.status, order.po_number = status, po_number
    if order_date:
        order.order_date = order_date
    if placed_by is not None:
        order.placed_by = placed_by
    order.subtotal, order.tax_total, order.total = subtotal, tax, subtotal + tax
    existing = {ln.line_no: ln for ln in order.lines.all()}
    for p in parsed:
        line = existing.pop(p["line_no"], None)
        if line is None:
            OrderLine.objects.create(order=order, **p)
        elif any(getattr(line, key) != value for key, value in p.items()):
            for key, value in p.items():
                setattr(line, key, value)
            line.save()
    # Lines the source removed; invoice lines copied from them keep their text and lose the link.
    OrderLine.objects.filter(pk__in=[ln.pk for ln in existing.values()]).delete()
    order.save()
    after = _content(order)
    # The source moving an order along (pending → shipped → completed) is no change to what was billed;
    # only a change to the lines, totals or PO raises the "updated" flag.
    billed_changed = {**after, "status": None} != {**before, "status": None}
    if billed_changed and _is_invoiced(order):
        order.flag_updated = True
        order.save(update_fields=["flag_updated"])
    if after != before:
        audit_record(actor=actor, obj=order, action="order.update", before=before, after=after)
    return order, False


@transaction.atomic
def order_cancel(*, actor: Any, order: Order, status: str = "canceled") -> Order:
    """The source canceled the order; if it was invoiced already, flag it for the seller."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.is_canceled:
        return order
    order.is_canceled = True
    order.status = status
    if _is_invoiced(order):
        order.flag_canceled = True
    order.save()
    audit_record(actor=actor, obj=order, action="order.cancel", after={"status": status, "flagged": order.flag_canceled})
    return order


@transaction.atomic
def order_flag_unapplied_change(*, actor: Any, order: Order, reason: str) -> Order:
    """The source changed an invoiced order in a way that could not be stored (e.g. its totals do not add up):
    raise the ``updated`` flag so the seller looks, keeping the version that was billed."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.flag_updated or not _is_invoiced(order):
        return order
    order.flag_updated = True
    order.save(update_fields=["flag_updated", "updated_at"])
    audit_record(actor=actor, obj=order, action="order.flag", after={"flag_updated": True, "reason": reason[:500]})
    return order


@transaction.atomic
def order_acknowledge_flags(*, actor: Any, order: Order) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    before = {"flag_updated": order.flag_updated, "flag_canceled": order.flag_canceled}
    order.flag_updated = order.flag_canceled = False
    order.save(update_fields=["flag_updated", "flag_canceled", "updated_at"])
    audit_record(actor=actor, obj=order, action="order.acknowledge", before=before, after={"flag_updated": False, "flag_canceled": False})
    return order
