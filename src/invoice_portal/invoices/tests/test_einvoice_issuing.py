"""What issuing guarantees for e-invoices: no O lines beside other VAT categories (BR-O-11..14), the seller
as it stood at issue kept on the document, and a whole invoice with a document discount credited in full."""

from __future__ import annotations

import pytest

from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.imports.bulk import document_prepare
from invoice_portal.invoices.models import Invoice, Kind, Status
from invoice_portal.invoices.seller import SNAPSHOT_FIELDS, seller_of
from invoice_portal.invoices.services import credit_note_create, invoice_issue
from invoice_portal.seller.services import portal_settings_update
from invoice_portal.testing import Personas, line, make_invoice

pytestmark = pytest.mark.django_db


def test_lines_not_subject_to_vat_cannot_be_issued_beside_other_categories(personas: Personas) -> None:
    draft = make_invoice(
        company=personas.acme, status="draft",
        lines=[line(unit_price="50.00", tax_category="S", tax_rate="20"), line(unit_price="10.00", tax_category="O")],
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match=r"category O\) cannot share a document with lines of category S \(EN 16931 BR-O-11"):
        invoice_issue(actor=personas.finance, invoice=draft)
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Status.DRAFT, None)


def test_a_document_of_o_lines_only_is_issued(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=[line(unit_price="50.00", tax_category="O")] * 2)
    assert invoice.status == Status.OPEN


def test_an_import_refuses_to_issue_o_beside_other_categories_by_the_same_rule(personas: Personas) -> None:
    lines = [line(unit_price="50.00", tax_category="S", tax_rate="20"), line(unit_price="10.00", tax_category="O")]
    with pytest.raises(ValidationFailed, match="BR-O-11"):
        document_prepare(
            actor=None, company=personas.acme, lines=lines, kind=Kind.INVOICE, source="erp", currency="USD", order=None,
            external_id="X-1", header={}, issue=True,
        )  # fmt: skip
    draft = document_prepare(
        actor=None, company=personas.acme, lines=lines, kind=Kind.INVOICE, source="erp", currency="USD", order=None,
        external_id="X-2", header={}, issue=False,
    )  # fmt: skip
    assert not draft.issue


def test_issuing_keeps_the_seller_of_that_moment_on_the_document(personas: Personas) -> None:
    portal_settings_update(actor=None, seller_name="Before GmbH", seller_tax_id="DE123456789", seller_peppol_scheme="9930",
                           seller_peppol_id="DE123456789")  # fmt: skip
    draft = make_invoice(company=personas.acme, status="draft")
    assert draft.seller_snapshot is None
    issued = invoice_issue(actor=personas.finance, invoice=draft)
    portal_settings_update(actor=None, seller_name="After AG", seller_tax_id="DE999999999", seller_peppol_scheme="", seller_peppol_id="")

    issued.refresh_from_db()
    assert issued.seller_snapshot is not None
    assert set(issued.seller_snapshot) == set(SNAPSHOT_FIELDS)
    assert issued.seller_snapshot["seller_name"] == "Before GmbH"
    seller = seller_of(issued.seller_snapshot, portal_settings())
    assert (seller["seller_name"], seller["seller_tax_id"], seller["seller_peppol_id"]) == ("Before GmbH", "DE123456789", "DE123456789")
    # A document issued before snapshots existed reads the current settings.
    Invoice.objects.filter(pk=issued.pk).update(seller_snapshot=None)
    assert seller_of(None, portal_settings())["seller_name"] == "After AG"


def test_crediting_a_whole_invoice_with_a_document_discount_credits_exactly_its_total(personas: Personas) -> None:
    invoice = make_invoice(
        company=personas.acme,
        lines=[line(unit_price="100.00", tax_category="S", tax_rate="20"),
               line(unit_price="40.00", quantity="2", tax_category="S", tax_rate="20")],
        discount="30.00", discount_tax_category="S", discount_tax_rate="20",
    )  # fmt: skip

    credit = credit_note_create(actor=personas.finance, invoice=invoice)

    assert credit.total == invoice.total
    assert (credit.discount, credit.discount_tax_category, credit.discount_tax_rate) == (invoice.discount, "S", invoice.discount_tax_rate)
    assert credit.tax_total == invoice.tax_total
    invoice.refresh_from_db()
    assert invoice.balance == 0
