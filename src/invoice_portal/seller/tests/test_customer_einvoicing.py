"""A customer's Peppol participant id and preferred e-invoice format, set on its page (customers.edit)."""

from __future__ import annotations

from django.urls import reverse

from invoice_portal.audit.models import AuditEvent
from invoice_portal.seller.tests.conftest import World


def test_finance_sets_a_customers_peppol_id_and_format_and_it_is_audited(world: World, client) -> None:
    client.force_login(world.p.finance)
    page = client.get(reverse("seller:customer_detail", args=[world.p.globex.pk])).content.decode()
    assert "9930:DE811907634" in page
    assert f'action="{reverse("seller:customer_einvoicing", args=[world.p.globex.pk])}"' in page

    response = client.post(
        reverse("seller:customer_einvoicing", args=[world.p.globex.pk]),
        {"peppol_scheme": "0088", "peppol_id": "7300010000001", "einvoice_format": "facturx"},
    )

    assert response.status_code == 302
    world.p.globex.refresh_from_db()
    assert (world.p.globex.peppol_scheme, world.p.globex.peppol_id, world.p.globex.einvoice_format) == ("0088", "7300010000001", "facturx")
    assert AuditEvent.objects.filter(action="company.update", object_id=str(world.p.globex.pk)).exists()


def test_a_wrong_participant_id_is_shown_next_to_its_field_and_nothing_changes(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.post(
        reverse("seller:customer_einvoicing", args=[world.p.globex.pk]),
        {"peppol_scheme": "0088", "peppol_id": "7300010000002", "einvoice_format": "peppol_ubl"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "fails the GS1 check digit of scheme 0088" in html
    assert "field-error" in html
    world.p.globex.refresh_from_db()
    assert world.p.globex.peppol_id == "DE811907634"


def test_sales_sees_the_peppol_id_but_has_no_form(world: World, client) -> None:
    client.force_login(world.p.sales)
    page = client.get(reverse("seller:customer_detail", args=[world.p.globex.pk])).content.decode()
    assert "9930:DE811907634" in page
    assert reverse("seller:customer_einvoicing", args=[world.p.globex.pk]) not in page
    assert client.post(reverse("seller:customer_einvoicing", args=[world.p.globex.pk]), {"einvoice_format": "pdf"}).status_code == 403


def test_finance_sets_a_german_public_customers_leitweg_id_beside_its_peppol_id(world: World, client) -> None:
    client.force_login(world.p.finance)
    url = reverse("seller:customer_einvoicing", args=[world.p.globex.pk])
    assert 'name="leitweg_id"' in client.get(reverse("seller:customer_detail", args=[world.p.globex.pk])).content.decode()

    response = client.post(
        url, {"peppol_scheme": "9930", "peppol_id": "DE811907634", "einvoice_format": "xrechnung", "leitweg_id": " 991-33333test-33 "}
    )

    assert response.status_code == 302
    world.p.globex.refresh_from_db()
    assert (world.p.globex.leitweg_id, world.p.globex.einvoice_format) == ("991-33333TEST-33", "xrechnung")
    page = client.get(reverse("seller:customer_detail", args=[world.p.globex.pk])).content.decode()
    assert "991-33333TEST-33" in page


def test_a_wrong_leitweg_id_is_shown_next_to_its_field_and_nothing_changes(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.post(
        reverse("seller:customer_einvoicing", args=[world.p.globex.pk]),
        {"peppol_scheme": "0088", "peppol_id": "7300010000001", "einvoice_format": "pdf", "leitweg_id": "991-33333TEST-34"},
    )

    assert response.status_code == 422
    form = response.context["einvoicing_form"]
    assert list(form.errors) == ["leitweg_id"], form.errors
    world.p.globex.refresh_from_db()
    assert (world.p.globex.peppol_id, world.p.globex.leitweg_id) == ("DE811907634", "")
