"""Does a store order add up? The one check every store order passes before it is stored.

A store order is stored only when its own figures agree with each other and with the order lines we
would store for it:

1. the product lines add up to the order's subtotal (ex tax);
2. subtotal + shipping/handling/wrapping + tax − discounts (order discounts and coupons) = total;
3. the discounts are carried on the product lines (``applied_discounts``), so the lines we store
   (net of their discounts, at their tax rate) reproduce the store's tax and total to the cent.

Anything else is flagged with the reason: a person decides, nothing is silently stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from invoice_portal.core.errors import DomainError
from invoice_portal.core.money import TAX_RATE_PLACES, UNIT_PRICE_PLACES, ZERO, check_currency, quantize
from invoice_portal.integrations.stores.base import StoreOrder


@dataclass(frozen=True)
class CheckedOrder:
    lines: list[dict[str, Any]]
    problems: list[str]


def _rate(tax: Decimal, net: Decimal) -> Decimal:
    if net <= 0 or tax <= 0:
        return ZERO
    return (tax / net * 100).quantize(Decimal(1).scaleb(-TAX_RATE_PLACES), rounding=ROUND_HALF_UP)


def _line(description: str, sku: str, quantity: Decimal, net: Decimal, tax: Decimal, problems: list[str]) -> dict[str, Any]:
    unit = (net / quantity).quantize(Decimal(1).scaleb(-UNIT_PRICE_PLACES), rounding=ROUND_HALF_UP) if quantity > 0 else ZERO
    if quantity <= 0:
        problems.append(f"{description}: quantity {quantity} is not above zero.")
    elif unit * quantity != net:
        problems.append(f"{description}: the net {net} is not {quantity} × a price.")
    if net < 0:
        problems.append(f"{description}: the net {net} is below zero (discount larger than the line).")
    rate = _rate(tax, net)
    return {
        "sku": sku,
        "description": description[:500],
        "quantity": quantity,
        "unit_price": unit,
        "tax_rate": rate,
        "tax_category": "S" if rate else "Z",
    }


def order_check(order: StoreOrder) -> CheckedOrder:
    """The order lines to store for ``order`` and every way its figures fail to add up (empty: it adds up)."""
    problems: list[str] = []
    try:
        currency = check_currency(order.currency)
    except DomainError:
        return CheckedOrder([], [f"currency {order.currency!r} is not an ISO 4217 code."])
    q = lambda amount: quantize(amount, currency)  # noqa: E731
    if not order.lines:
        problems.append("the order has no product lines.")
    lines = [_line(ln.description, ln.sku, ln.quantity, q(ln.total_ex_tax - ln.discount), ln.total_tax, problems) for ln in order.lines]
    if order.shipping_ex_tax > 0:
        lines.append(_line("Shipping and handling", "", Decimal(1), q(order.shipping_ex_tax), order.shipping_tax, problems))
    products = sum((ln.total_ex_tax for ln in order.lines), ZERO)
    if q(products) != q(order.subtotal_ex_tax):
        problems.append(f"the products add up to {q(products)}, the order's subtotal says {q(order.subtotal_ex_tax)}.")
    expected = order.subtotal_ex_tax + order.shipping_ex_tax + order.total_tax - order.discount_total
    if q(expected) != q(order.total_inc_tax):
        problems.append(
            f"subtotal {q(order.subtotal_ex_tax)} + shipping {q(order.shipping_ex_tax)} + tax {q(order.total_tax)} "
            f"− discounts {q(order.discount_total)} = {q(expected)}, the order's total says {q(order.total_inc_tax)}."
        )
    line_discounts = sum((ln.discount for ln in order.lines), ZERO)
    if q(line_discounts) != q(order.discount_total):
        problems.append(f"discounts of {q(order.discount_total)} are not carried on the product lines ({q(line_discounts)} are).")
    if not problems:
        # The same arithmetic order_upsert applies: each line rounded, tax per line, then summed.
        net = sum((q(ln["quantity"] * ln["unit_price"]) for ln in lines), ZERO)
        tax = sum((q(q(ln["quantity"] * ln["unit_price"]) * ln["tax_rate"] / 100) for ln in lines), ZERO)
        if net + tax != q(order.total_inc_tax):
            problems.append(f"the order lines give {net} + tax {tax} = {net + tax}, the order's total says {q(order.total_inc_tax)}.")
    return CheckedOrder(lines, problems)
