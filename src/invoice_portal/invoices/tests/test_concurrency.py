"""One invoice per order under concurrency: two creations for the same order at once make one invoice."""

from __future__ import annotations

import pytest

from invoice_portal.core.errors import OrderAlreadyInvoiced
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create, invoice_create_from_order
from invoice_portal.testing import Personas, at_once, make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_creations_for_one_order_at_once_make_one_invoice(personas: Personas) -> None:
    order = make_order(company=personas.acme)
    lines = [{"description": "x", "quantity": "1", "unit_price": "5"}]
    results = at_once(
        [
            lambda: invoice_create(actor=None, company=personas.acme, lines=lines, order=order),
            lambda: invoice_create_from_order(actor=None, order=order),
        ]
    )
    assert sum(isinstance(r, Invoice) for r in results) == 1
    assert sum(isinstance(r, OrderAlreadyInvoiced) for r in results) == 1
    assert Invoice.objects.filter(order=order).count() == 1
