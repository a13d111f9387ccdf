"""The AP lists run a fixed number of queries however many rows they show (an N+1 regression fails here)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invoice_portal.payables.services import retrofit_invoice_create
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import make_company

pytestmark = pytest.mark.django_db


def grow(ap: ApPersonas, n: int) -> None:
    """n more suppliers, each with a PO per state of interest and invoices by several paths."""
    for i in range(n):
        supplier = make_company(is_supplier=True, is_customer=False)
        waiting = make_po(supplier=supplier, requester=ap.requester)
        flip(waiting, actor=ap.clerk, source="manual")
        received = make_po(supplier=supplier, no_invoice_expected=i % 2 == 0)
        receive_all(received)
        flip(received, actor=ap.clerk, source="manual")
        retrofit_invoice_create(actor=ap.clerk, supplier=supplier, number=f"RF-{supplier.pk}", requester=ap.requester,
                                lines=[{"description": "Call-out", "quantity": "1", "unit_price": "90.00"}])  # fmt: skip


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [
    ("/ap/", 7),
    ("/ap/?status=pending_receiving&supplier=Company", 7),
    ("/ap/orders/", 5),
    ("/ap/orders/?status=received", 5),
    ("/ap/holds/", 4),
]


@pytest.mark.parametrize(("url", "ceiling"), PAGES)
def test_ap_lists_run_a_fixed_number_of_queries(ap: ApPersonas, django_assert_max_num_queries: Callable, url: str, ceiling: int) -> None:
    client = Client()
    client.force_login(ap.clerk)
    grow(ap, 2)
    few = count(client, url)
    grow(ap, 6)
    many = count(client, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more (N+1?)"
    with django_assert_max_num_queries(ceiling):
        client.get(url)
