"""The e-invoice (UBL) download of the invoice page: issued documents only, with the link beside the PDF."""

from __future__ import annotations

from django.urls import reverse

from invoice_portal.companies.models import Company
from invoice_portal.documents.einvoice.validation import fatal, validate_ubl
from invoice_portal.seller.tests.conftest import World


def test_an_issued_invoice_downloads_as_a_valid_ubl_attachment_named_by_its_number(world: World, client) -> None:
    invoice = world.partial
    client.force_login(world.p.finance)
    response = client.get(reverse("seller:invoice_ubl", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.xml"'
    assert f"<cbc:ID>{invoice.number}</cbc:ID>".encode() in response.content
    assert fatal(validate_ubl(response.content)) == []


def test_a_document_that_cannot_be_a_valid_e_invoice_answers_422_with_the_reason(world: World, client) -> None:
    client.force_login(world.p.finance)
    Company.objects.filter(pk=world.p.acme.pk).update(peppol_scheme="", peppol_id="")
    response = client.get(reverse("seller:invoice_ubl", args=[world.partial.pk]))
    assert response.status_code == 422
    assert "the customer ACME Corp has no Peppol participant id" in response.content.decode()


def test_a_draft_has_no_e_invoice_and_no_link(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.get(reverse("seller:invoice_ubl", args=[world.draft.pk]))
    assert response.status_code == 409
    assert "only an issued document has a number" in response.content.decode()
    assert (
        reverse("seller:invoice_ubl", args=[world.draft.pk])
        not in client.get(reverse("seller:invoice_detail", args=[world.draft.pk])).content.decode()
    )


def test_the_invoice_page_links_the_e_invoice_beside_the_pdf(world: World, client) -> None:
    client.force_login(world.p.sales)
    page = client.get(reverse("seller:invoice_detail", args=[world.open.pk])).content.decode()
    assert f'href="{reverse("seller:invoice_pdf", args=[world.open.pk])}"' in page
    assert f'href="{reverse("seller:invoice_ubl", args=[world.open.pk])}"' in page
    assert "E-invoice (UBL)" in page


def test_an_issued_invoice_downloads_as_a_valid_cii_beside_its_ubl(world: World, client) -> None:
    from invoice_portal.documents.einvoice.validation import validate_cii

    client.force_login(world.p.sales)
    page = client.get(reverse("seller:invoice_detail", args=[world.open.pk])).content.decode()
    assert f'href="{reverse("seller:invoice_cii", args=[world.open.pk])}"' in page
    response = client.get(reverse("seller:invoice_cii", args=[world.open.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{world.open.number}.cii.xml"'
    assert fatal(validate_cii(response.content)) == []
    assert client.get(reverse("seller:invoice_cii", args=[world.draft.pk])).status_code == 409
