from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.core.errors import InvalidAmount
from invoice_portal.testing import Personas, line, make_invoice, make_order

pytestmark = pytest.mark.django_db


def test_a_three_decimal_sales_tax_rate_is_kept_exactly(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=[line(unit_price="200.00", tax_rate="8.875", tax_category="S")])
    invoice.refresh_from_db()
    assert invoice.lines.get().tax_rate == Decimal("8.875")
    assert invoice.tax_total == Decimal("17.75")
    assert invoice.total == Decimal("217.75")


def test_a_four_decimal_tax_rate_is_refused(personas: Personas) -> None:
    with pytest.raises(InvalidAmount, match="3 decimal places"):
        make_invoice(company=personas.acme, lines=[line(tax_rate="8.8755", tax_category="S")])


def test_orders_carry_three_decimal_rates_too(personas: Personas) -> None:
    from invoice_portal.orders.services import order_upsert

    order = make_order(company=personas.acme)
    order, _ = order_upsert(
        actor=None, source=order.source, external_id=order.external_id, company=personas.acme,
        lines=[{"description": "Desk", "quantity": "1", "unit_price": "100.00", "tax_rate": "8.875"}],
    )  # fmt: skip
    assert order.lines.get().tax_rate == Decimal("8.875")
