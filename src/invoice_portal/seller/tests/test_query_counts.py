"""Query counts of the list pages stay flat as rows grow: an N+1 regression fails here.

Each page is measured with a few rows and again with many; the counts must be equal and
within a fixed ceiling (``django_assert_max_num_queries``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoice_portal.invoices.services import dispute_open, invoice_create_from_order
from invoice_portal.orders.services import order_cancel
from invoice_portal.testing import Personas, make_company, make_invoice, make_order, make_user, pay


def grow(p: Personas, n: int) -> None:
    """Add n of everything a list page shows, each with its own company, order, payment and dispute."""
    for i in range(n):
        company = make_company(name=f"Customer {i}")
        order = make_order(company=company)
        invoice_create_from_order(actor=None, order=order)
        invoice = make_invoice(company=company, status="partially_paid", lines=2)
        make_invoice(company=company, status="open", order=make_order(company=company))
        pay(company=company, invoices=[(invoice, "10.00")], amount="20.00", reference=f"CHK-{i}")
        dispute_open(actor=p.alice if company == p.acme else None, line=invoice.lines.all()[0], reason="price", text="too much")
        order_cancel(actor=None, order=order)
        make_user(role="buyer", company=company)


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES: list[tuple[str, int]] = [
    ("/seller/", 13),
    # One of them reads the Admin's words for the types and statuses, once per request (``invoices.wording``).
    ("/seller/invoices/", 6),
    ("/seller/invoices/?overdue=no&disputed=yes&sort=customer", 6),
    # A narrow number search reads the page's companies and orders after the sort (invoices.selectors.invoice_list);
    # the count that chose that sort is the page's count (core.pagination.counted), not a second one.
    ("/seller/invoices/?number=inv", 8),
    ("/seller/orders/", 7),
    ("/seller/orders/?flagged=on", 7),
    ("/seller/payments/", 5),
    ("/seller/customers/", 5),
    ("/seller/reports/", 10),
    ("/seller/users/", 7),
    ("/seller/roles/", 4),
]


@pytest.mark.parametrize(("url", "ceiling"), PAGES)
def test_list_pages_run_a_fixed_number_of_queries(
    personas: Personas, client, django_assert_max_num_queries: Callable, url: str, ceiling: int
) -> None:
    client.force_login(personas.admin)
    grow(personas, 2)
    few = count(client, url)
    grow(personas, 8)
    many = count(client, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more (N+1?)"
    with django_assert_max_num_queries(ceiling):
        client.get(url)


def test_the_invoice_page_does_not_grow_with_lines_and_payments(personas: Personas, client) -> None:
    client.force_login(personas.finance)
    small = make_invoice(company=personas.acme, status="open", lines=1)
    pay(company=personas.acme, invoices=[(small, "10.00")])
    big = make_invoice(company=personas.acme, status="open", lines=12)
    for _ in range(5):
        pay(company=personas.acme, invoices=[(big, "10.00")])
    assert count(client, f"/seller/invoices/{big.pk}/") == count(client, f"/seller/invoices/{small.pk}/")


def test_the_offline_payment_form_does_not_grow_with_open_invoices(personas: Personas, client) -> None:
    client.force_login(personas.finance)
    make_invoice(company=personas.acme, status="open")
    few = count(client, f"/seller/payments/new/?company={personas.acme.pk}")
    for _ in range(10):
        make_invoice(company=personas.acme, status="open")
    assert count(client, f"/seller/payments/new/?company={personas.acme.pk}") == few


def test_a_number_search_shows_each_documents_customer_and_order(personas: Personas, client) -> None:
    client.force_login(personas.admin)
    company = make_company(name="Prefix Customer")
    order = make_order(company=company)
    invoice = make_invoice(company=company, status="open", order=order)
    response = client.get(f"/seller/invoices/?number={(invoice.number or '')[:-1].lower()}")
    assert response.status_code == 200
    assert "Prefix Customer" in response.text
    assert order.external_id
    assert order.external_id in response.text
