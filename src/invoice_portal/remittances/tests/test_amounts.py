"""Remittance advice and promises read amounts by the one rule (core.money) and respect the installation's maximum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from invoice_portal.core.errors import InvalidAmount
from invoice_portal.remittances.services import remittance_submit
from invoice_portal.testing import make_invoice, refused

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "message"),
    [("1,000,000,000.00", r"\$1,000,000,000.00 is above this installation's maximum of \$999,999,999.99"), ("1e2", "scientific notation")],
)
def test_an_absurd_remittance_amount_is_refused_and_nothing_is_written(personas, amount: str, message: str) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    with refused(InvalidAmount, message):
        remittance_submit(
            actor=personas.bob, amount=amount, method="wire", reference="W-BAD", paid_on=timezone.localdate(),
            invoices_amounts=[(invoice, "100.00")],
        )  # fmt: skip


def test_a_remittance_written_with_grouping_is_read(personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="1500.00")
    advice = remittance_submit(
        actor=personas.bob, amount="1,500.00", method="wire", reference="W-GROUPED", paid_on=timezone.localdate(),
        invoices_amounts=[(invoice, "1,500.00")],
    )  # fmt: skip
    assert advice.amount == Decimal("1500.00")
