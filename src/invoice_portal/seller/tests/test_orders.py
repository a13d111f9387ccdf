"""The order dashboard: flags, acknowledge, "Create invoice" under the invoices-per-order setting."""

from __future__ import annotations

from django.urls import reverse

from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Invoice
from invoice_portal.seller.tests.conftest import World

URL = "/seller/orders/"


def test_flagged_orders_are_marked_and_can_be_filtered(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.get(f"{URL}?flagged=on")
    assert [o.pk for o in response.context["page"].object_list] == [world.flagged_order.pk]
    assert "Updated after invoicing" in response.content.decode()


def test_orders_filter_by_customer_source_and_invoiced(world: World, client) -> None:
    client.force_login(world.p.sales)
    assert [o.pk for o in client.get(f"{URL}?q=Globex").context["page"].object_list] == [world.plain_order.pk]
    assert [o.pk for o in client.get(f"{URL}?q=BC-1001").context["page"].object_list] == [world.flagged_order.pk]
    assert [o.pk for o in client.get(f"{URL}?invoiced=no").context["page"].object_list] == [world.plain_order.pk]
    assert client.get(f"{URL}?source=erp").context["page"].paginator.count == 0


def test_acknowledging_clears_the_flags(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.post(reverse("seller:order_acknowledge", args=[world.flagged_order.pk]), {"next": f"{URL}?flagged=on"})
    assert response["Location"] == f"{URL}?flagged=on"
    world.flagged_order.refresh_from_db()
    assert not world.flagged_order.is_flagged


def test_acknowledge_never_redirects_off_site(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.post(reverse("seller:order_acknowledge", args=[world.flagged_order.pk]), {"next": "https://evil.test/"})
    assert response["Location"] == URL


def test_create_invoice_copies_the_order_into_a_draft(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.post(reverse("seller:order_invoice", args=[world.plain_order.pk]))
    invoice = Invoice.objects.get(order=world.plain_order)
    assert response["Location"] == reverse("seller:invoice_detail", args=[invoice.pk])
    assert invoice.status == "draft"
    assert invoice.source == "order"
    assert invoice.lines.count() == 2


def test_one_invoice_per_order_hides_the_button_and_refuses_a_second(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(reverse("seller:order_detail", args=[world.flagged_order.pk])).content.decode()
    assert "Create invoice</button>" not in html
    assert "has its invoice" in html
    response = client.post(reverse("seller:order_invoice", args=[world.flagged_order.pk]), follow=True)
    assert "No invoice created" in response.content.decode()
    assert Invoice.objects.filter(order=world.flagged_order).count() == 1


def test_many_invoices_per_order_invoices_what_is_left(world: World, client) -> None:
    settings = portal_settings()
    settings.invoices_per_order = InvoicesPerOrder.MANY
    settings.save()
    client.force_login(world.p.sales)
    html = client.get(reverse("seller:order_detail", args=[world.flagged_order.pk])).content.decode()
    assert "Create invoice</button>" in html
    client.post(reverse("seller:order_invoice", args=[world.flagged_order.pk]))
    second = Invoice.objects.filter(order=world.flagged_order).order_by("-pk").first()
    assert second is not None
    assert second.status == "draft"
    assert [str(ln.quantity.normalize()) for ln in second.lines.all()] == ["1"]  # 3 ordered after the update, 2 invoiced


def test_order_detail_lists_lines_and_invoices(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(reverse("seller:order_detail", args=[world.flagged_order.pk])).content.decode()
    assert "Product 1" in html
    assert world.from_order.number in html


def test_the_order_export_streams_the_filtered_orders_of_every_page_formula_safe(world: World, client) -> None:
    from invoice_portal.companies.models import Company
    from invoice_portal.seller.tests.test_invoice_dashboard import csv_rows
    from invoice_portal.testing import make_order

    Company.objects.filter(pk=world.p.globex.pk).update(name="=cmd|' /C calc'!A0")
    for i in range(55):
        make_order(company=world.p.acme, external_id=f"BULK-{i:03d}")
    client.force_login(world.p.sales)
    page = client.get(reverse("seller:orders") + "?q=ACME").content.decode()
    assert reverse("seller:orders_export") + "?q=ACME" in page
    rows = csv_rows(client.get(reverse("seller:orders_export") + "?q=ACME&page=2"))
    assert len(rows) == 56  # the 55 and the flagged BC-1001, not one page of them
    flagged = next(r for r in rows if r["Order"] == "BC-1001")
    assert (flagged["Invoiced"], flagged["Updated after invoicing"], flagged["Total"]) == ("yes", "yes", "75.00")
    globex = csv_rows(client.get(reverse("seller:orders_export") + f"?q={world.plain_order.external_id}"))
    assert globex[0]["Customer"].startswith("'=cmd")
