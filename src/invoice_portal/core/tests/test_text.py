"""The one text rule (``core.text``) at every edge: API schemas, forms, imports; the UBL writer never meets it broken."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from lxml import etree

from invoice_portal.api.services import api_token_create
from invoice_portal.core.forms import Form
from invoice_portal.core.text import text_problem, xml_safe
from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.imports.tests.helpers import errors_of, invoice_row, run_import
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.testing import Personas, make_einvoice_ready, make_invoice


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x0c", "\x1f", "\ufffe", "\ud800"])
def test_control_characters_are_refused_and_cleaned_for_xml(char: str) -> None:
    assert text_problem(f"Widget{char}blue") is not None
    assert xml_safe(f"Widget{char}blue") == "Widgetblue"


def test_tabs_line_breaks_and_any_language_are_text() -> None:
    assert text_problem("Widget\tblue\r\nzweite Zeile — 日本語 ١٢") is None


def test_a_form_shows_the_rule_beside_the_field() -> None:
    from django import forms

    class NoteForm(Form):
        note = forms.CharField()

    form = NoteForm({"note": "Widget\x0bblue"})
    assert not form.is_valid()
    assert "control characters" in form.errors["note"][0]


@pytest.mark.django_db
def test_the_api_refuses_a_line_with_a_control_character_and_stores_nothing(personas: Personas) -> None:
    token = api_token_create(actor=None, user=personas.sales, name="t")[1]
    body = {
        "company": personas.acme.pk, "kind": "invoice", "currency": "USD", "issue_date": "2026-11-01", "due_date": "2026-12-01",
        "lines": [{"kind": "item", "description": "Widget\u000bblue", "quantity": "1", "unit_price": "5.00", "tax_rate": "0"}],
    }  # fmt: skip
    reply = Client().post("/api/v1/invoices", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"].endswith("description")
    assert not Invoice.objects.exists()


def test_the_seller_editor_refuses_a_control_character_beside_the_line() -> None:
    from invoice_portal.seller.editor import LineForm

    form = LineForm({"description": "Widget\x0bblue", "quantity": "1", "unit_price": "5.00", "tax_rate": "0"})
    assert not form.is_valid()
    assert "control characters" in str(form.errors)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_import_row_with_a_control_character_names_its_row_and_column_and_writes_nothing(personas: Personas, fmt: str) -> None:
    rows = [invoice_row(external_id="OK-1"), invoice_row(external_id="BAD-1", description="Widget\x00blue")]
    batch = run_import(rows, fmt=fmt, actor=personas.finance)
    assert batch.status == "failed"
    row = 3 if fmt == "csv" else 2
    assert (row, "description") in errors_of(batch)
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_the_ubl_of_a_line_stored_before_the_rule_is_still_written(personas: Personas) -> None:
    make_einvoice_ready(personas)
    invoice = make_invoice(company=personas.acme, amount="10.00")
    InvoiceLine.objects.filter(invoice=invoice).update(description="Widget\x0bblue")
    tree: Any = etree.fromstring(invoice_ubl(Invoice.objects.get(pk=invoice.pk)))
    names = tree.xpath("//cbc:Name/text()", namespaces={"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"})
    assert "Widgetblue" in names
