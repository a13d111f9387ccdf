"""The supplier portal's "what was paid": a supplier's users see their own company's payments and allocations only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from invoice_portal.payables.services.supplier_payments import supplier_payment_record
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_each_supplier_sees_only_what_was_paid_to_it(ap: ApPersonas) -> None:
    paid = {}
    for supplier, user, number, reference in ((ap.northwind, ap.sue, "NW-50", "TRF-NORTH"), (ap.initech, ap.ivan, "IN-50", "TRF-INI")):
        po = make_po(supplier=supplier)
        receive_all(po)
        invoice = flip(po, actor=user, number=number)
        paid[number] = supplier_payment_record(actor=ap.clerk, supplier=supplier, amount=invoice.total, method="wire",
                                               reference=reference, allocations=[(invoice, invoice.total)])  # fmt: skip
    url = reverse("supplier:payments")
    northwind = _client(ap.sam).get(url).content.decode()
    assert "TRF-NORTH" in northwind
    assert "NW-50" in northwind
    assert "TRF-INI" not in northwind
    assert "IN-50" not in northwind
    initech = _client(ap.ivan).get(url).content.decode()
    assert "TRF-INI" in initech
    assert "TRF-NORTH" not in initech
    assert "NW-50" not in initech
    assert "What was paid" in initech  # in the supplier's navigation
    assert _client(ap.clerk).get(url).status_code == 403  # staff read them in the AP app
    assert Client().get(url).status_code == 302
