"""Unit codes on received invoices and purchase orders: only what EN 16931 takes (UN/ECE Rec 20/21, BR-CL-23).

One rule (``documents.einvoice.units``, read from CEN's UBL schematron) for the keying and retrofit forms,
the received-invoice API, the service behind a flip, and purchase orders (a flip copies their units).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.documents.einvoice.units import unit_code_problem, unit_codes
from invoice_portal.invoices.models import Invoice
from invoice_portal.payables.services.received import received_invoice_create
from invoice_portal.payables.testing import ApPersonas
from invoice_portal.testing import Personas, refused

pytestmark = pytest.mark.django_db

BOX = "lines[1].unit_code: 'BOX' is not a UN/ECE unit code; use e.g. C62 (one) or H87 (piece)."


def _lines(unit: str) -> list[dict[str, str]]:
    return [
        {"description": "Call-out", "quantity": "1", "unit_code": "HUR", "unit_price": "60.00"},
        {"description": "Boxes", "quantity": "2", "unit_code": unit, "unit_price": "5.00"},
    ]


def test_the_list_is_en_16931s() -> None:
    assert {"C62", "H87", "HUR", "KGM", "MON", "XBX", "XPK"} <= unit_codes()
    assert not {"BOX", "BX", "PK", ""} & unit_codes()
    assert unit_code_problem("C62", label="Line 1, unit") is None


def test_the_service_refuses_an_unknown_unit_naming_the_line_and_the_code(ap: ApPersonas) -> None:
    with refused(ValidationFailed, re.escape(BOX)):
        received_invoice_create(actor=ap.clerk, supplier=ap.northwind, number="NW-U1", lines=_lines("BOX"))
    invoice = received_invoice_create(actor=ap.clerk, supplier=ap.northwind, number="NW-U1", lines=_lines("XBX"), submit=False)
    assert [ln.unit_code for ln in invoice.lines.order_by("line_no")] == ["HUR", "XBX"]


def test_the_api_answers_a_422_problem_on_the_line_field(ap: ApPersonas, personas: Personas) -> None:
    api = ApiClient(api_token_create(actor=None, user=ap.clerk, name="erp")[1])
    body = {"number": "R-U1", "supplier": ap.northwind.pk, "requester_email": ap.requester.email, "lines": _lines("BOX")}
    problem = problem_of(api.post("received-invoices", body), 422)
    assert BOX in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["lines[1].unit_code"]
    assert not Invoice.objects.filter(number="R-U1").exists()
    po = {"external_id": "ERP-U", "number": "PO-U", "supplier": ap.northwind.pk, "requester_email": ap.requester.email,
          "lines": [{"description": "Paper", "quantity": "10", "unit_code": "PK", "unit_price": "4.50"}]}  # fmt: skip
    admin = ApiClient(api_token_create(actor=None, user=personas.admin, name="erp")[1])
    problem = problem_of(admin.post("purchase-orders", po), 422)
    assert "Line 1, unit: 'PK' is not a UN/ECE unit code" in problem["detail"]


def test_the_retrofit_form_shows_the_error_next_to_the_unit(ap: ApPersonas) -> None:
    client = Client()
    client.force_login(ap.sam)
    form = {"number": "NW-RF-U", "issue_date": "2026-11-21", "requester_email": ap.requester.email, "desc_0": "Call-out",
            "qty_0": "1", "unit_0": "C62", "price_0": "90.00", "rate_0": "20", "desc_1": "Boxes", "qty_1": "2", "unit_1": "box",
            "price_1": "30.00", "rate_1": "20"}  # fmt: skip
    reply = client.post(reverse("supplier:invoice_without_po"), form)
    assert reply.status_code == 422
    assert reply.context["form"].errors["unit_1"] == ["Line 2, unit: 'BOX' is not a UN/ECE unit code; use e.g. C62 (one) or H87 (piece)."]
    assert "is not a UN/ECE unit code" in reply.content.decode()
    assert not Invoice.objects.filter(number="NW-RF-U").exists()
