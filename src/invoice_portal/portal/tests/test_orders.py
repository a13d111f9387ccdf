"""The buyer's orders in the portal (seeds 001 and 004): a list with filters, an order with its lines and its
invoices, the link from an invoice to its order; scoped exactly like the invoices, never another company's."""

from __future__ import annotations

import re
from typing import Any

import pytest

from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_upsert
from invoice_portal.portal.tests.conftest import Books

pytestmark = pytest.mark.django_db


def _orders(client: Any, query: str = "") -> set[str]:
    html = client.get(f"/portal/orders/{query}").content.decode()
    return set(re.findall(r'title="View the order and its invoices">([^<]+)</a>', html))


def _erp_order(books: Books) -> Order:
    order, _ = order_upsert(
        actor=None, source="erp", external_id="SO-5001", company=books.p.acme, placed_by=None, po_number="PO-ERP-9",
        lines=[{"sku": "ERP-1", "description": "Pallet", "quantity": "1", "unit_price": "80.00"}],
        order_date=books.alice_web.order.order_date,  # type: ignore[union-attr]
    )  # fmt: skip
    return order


def test_each_persona_sees_the_orders_of_her_scope_and_never_another_company_s(books: Books, login: Any) -> None:
    _erp_order(books)

    assert _orders(login(books.p.alice)) == {"BC-100", "BC-101"}  # own orders only
    assert _orders(login(books.p.bob)) == {"BC-100", "BC-101", "BC-200", "SO-5001"}  # the company's, store and ERP
    assert _orders(login(books.p.carol)) == {"BC-100", "BC-101", "BC-200", "SO-5001", "BC-300"}  # and the subsidiary's
    assert _orders(login(books.p.walt)) == {"BC-300"}
    assert _orders(login(books.p.charlie)) == {"BC-900"}
    assert _orders(login(books.p.charlie), f"?company={books.p.acme.pk}") == {"BC-900"}


@pytest.mark.parametrize(("who", "outside"), [("charlie", "BC-100"), ("walt", "BC-200"), ("alice", "BC-200"), ("bob", "BC-300")])
def test_an_order_outside_the_scope_is_404(books: Books, login: Any, who: str, outside: str) -> None:
    order = Order.objects.get(external_id=outside)

    assert login(getattr(books.p, who)).get(f"/portal/orders/{order.pk}/").status_code == 404


def test_the_order_page_shows_its_lines_and_invoices_and_the_invoice_links_back(books: Books, login: Any) -> None:
    client = login(books.p.alice)
    order = books.alice_web.order
    assert order is not None

    page = client.get(f"/portal/orders/{order.pk}/").content.decode()
    invoice_page = client.get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()

    assert "Product 1" in page
    assert "Web store" in page
    assert f'href="/portal/invoices/{books.alice_web.pk}/"' in page
    assert books.alice_second.number not in page  # another order's invoice
    assert f'href="/portal/orders/{order.pk}/"' in invoice_page


def test_the_orders_are_filtered_by_source_number_and_po(books: Books, login: Any) -> None:
    _erp_order(books)
    bob = login(books.p.bob)

    assert _orders(bob, "?source=erp") == {"SO-5001"}
    assert _orders(bob, "?source=web") == {"BC-100", "BC-101", "BC-200"}
    assert _orders(bob, "?number=bc-10") == {"BC-100", "BC-101"}
    assert _orders(bob, "?po_number=alice") == {"BC-100"}


def test_purchase_orders_of_accounts_payable_never_show_in_the_portal(books: Books, login: Any) -> None:
    Order.objects.filter(external_id="BC-200").update(direction="purchase")

    assert "BC-200" not in _orders(login(books.p.bob))
