from __future__ import annotations

from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from invoice_portal.integrations import checkout as checkout_module
from invoice_portal.integrations.checkout import payment_refund_anyhow
from invoice_portal.payments.services import payment_record
from invoice_portal.testing import make_invoice, pay

pytestmark = pytest.mark.django_db


def test_an_offline_payment_is_refunded_offline(personas: Any) -> None:
    invoice = make_invoice(company=personas.acme)
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")])
    with mock.patch.object(checkout_module, "get_gateway", side_effect=AssertionError("no gateway for a check")):
        payment = payment_refund_anyhow(actor=personas.finance, payment=payment, amount="40.00")
    assert payment.refunded_amount == Decimal("40.00")


def test_a_card_payment_is_refunded_through_its_gateway(personas: Any) -> None:
    invoice = make_invoice(company=personas.acme)
    payment = payment_record(
        actor=None, company=personas.acme, amount="100.00", currency="USD", method="card", gateway="test",
        gateway_reference="pi_test_123", allocations=[(invoice, "100.00")],
    )  # fmt: skip
    adapter = mock.Mock()
    adapter.refund.return_value = "re_test_1"
    with mock.patch.object(checkout_module, "get_gateway", return_value=adapter):
        payment = payment_refund_anyhow(actor=personas.finance, payment=payment, amount="25.00", reason="damaged")
    adapter.refund.assert_called_once()
    assert payment.refunded_amount == Decimal("25.00")
