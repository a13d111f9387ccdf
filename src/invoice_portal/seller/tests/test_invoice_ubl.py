"""The e-invoice (UBL) download of the invoice page: issued documents only, with the link beside the PDF."""

from __future__ import annotations

from django.urls import reverse

from invoice_portal.documents.einvoice.rules import ubl_check
from invoice_portal.seller.tests.conftest import World


def test_an_issued_invoice_downloads_as_a_ubl_attachment_named_by_its_number(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.get(reverse("seller:invoice_ubl", args=[world.partial.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{world.partial.number}.xml"'
    assert f"<cbc:ID>{world.partial.number}</cbc:ID>".encode() in response.content
    # The operator's settings name no country, which EN 16931 requires of the seller; nothing else is missing.
    assert {v.rule for v in ubl_check(response.content)} == {"BR-09", "BR-11"}


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
