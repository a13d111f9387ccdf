"""The supplier portal's lists run a fixed number of queries however many POs and invoices the supplier has."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invoice_portal.payables.services import purchase_order_close, received_invoice_create
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all

pytestmark = pytest.mark.django_db


def grow(ap: ApPersonas, n: int) -> None:
    """n more of everything Northwind's pages list: open, received and closed POs, invoices in several states, credits."""
    for i in range(n):
        waiting = make_po(supplier=ap.northwind, requester=ap.requester)
        flip(waiting, actor=ap.sue)
        received = make_po(supplier=ap.northwind)
        receive_all(received)
        accepted = flip(received, actor=ap.sam)
        received_invoice_create(actor=ap.sue, supplier=ap.northwind, number=f"CR-{accepted.pk}", kind="credit_note",
                                related_invoice=accepted, lines=[{"description": "Credit", "unit_price": "1.00"}])  # fmt: skip
        purchase_order_close(actor=ap.clerk, order=make_po(supplier=ap.northwind))
        make_po(supplier=ap.initech)  # another supplier's rows must not count either
        if i % 2:
            flip(make_po(supplier=ap.initech), actor=ap.ivan)


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [("/supplier/", 8), ("/supplier/orders/", 6), ("/supplier/invoices/", 6), ("/supplier/invoices/?status=accepted", 6)]


@pytest.mark.parametrize(("url", "ceiling"), PAGES)
def test_supplier_lists_run_a_fixed_number_of_queries(
    ap: ApPersonas, django_assert_max_num_queries: Callable, url: str, ceiling: int
) -> None:
    client = Client()
    client.force_login(ap.sue)
    grow(ap, 2)
    few = count(client, url)
    grow(ap, 6)
    many = count(client, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more (N+1?)"
    with django_assert_max_num_queries(ceiling):
        client.get(url)
