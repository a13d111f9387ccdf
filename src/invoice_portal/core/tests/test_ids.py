"""One bounded id parser (``core.ids.parse_id``) behind every id read from a URL, a form or a webhook."""

from __future__ import annotations

import pytest
from django.test import Client

from invoice_portal.api.services import api_token_create
from invoice_portal.core.ids import MAX_ID, parse_id
from invoice_portal.testing import make_invoice

HUGE = "9" * 30
ENORMOUS = "9" * 5000


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" 7 ", 7), (42, 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (HUGE, None), (ENORMOUS, None),
     ("²", None), ("١٢", None), ("0", None), ("-3", None), ("+3", None), ("1e3", None), ("", None), (None, None), (True, None),
     (3.0, None), (0, None)],
)  # fmt: skip
def test_an_id_is_one_to_nineteen_ascii_digits_within_the_database_range(value, expected):
    assert parse_id(value) == expected


@pytest.mark.django_db
def test_huge_order_filters_answer_an_empty_list_in_the_api_the_portal_and_the_seller_app(personas):
    make_invoice(company=personas.acme, amount="10.00")
    token = api_token_create(actor=None, user=personas.finance, name="t")[1]
    api = Client().get(f"/api/v1/invoices?order={HUGE}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.json()["items"] == []
    for user, url in ((personas.alice, "/portal/invoices/"), (personas.finance, "/seller/invoices/")):
        client = Client()
        client.force_login(user)
        assert client.get(url, {"order": HUGE}).status_code == 200


@pytest.mark.django_db
def test_a_huge_checkout_id_on_the_pay_return_and_cancel_pages_is_not_found(personas):
    client = Client()
    client.force_login(personas.bob)
    assert client.get("/portal/pay/return/", {"checkout": ENORMOUS}).status_code == 404
    assert client.post("/portal/pay/cancel", {"checkout": ENORMOUS}).status_code == 404


@pytest.mark.django_db
def test_huge_company_ids_in_seller_forms_are_refused_or_not_found(personas):
    client = Client()
    client.force_login(personas.admin)
    assert client.get("/seller/payments/new/", {"company": HUGE}).status_code == 200
    assert client.get("/seller/invoices/new/", {"company": HUGE}).status_code == 200
    assert client.get("/seller/payments/", {"company": HUGE, "payment_id": HUGE}).status_code == 200
    assert client.post("/seller/invoices/bulk", {"action": "issue", "invoice": [HUGE, "²"]}).status_code == 302
