"""The list pages read a fixed number of queries, however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoice_portal.portal.tests.conftest import Books
from invoice_portal.testing import make_invoice, make_order, pay

pytestmark = pytest.mark.django_db

# Session, user, role grants, the scope (the company tree costs one query per level), count, rows, what can be
# paid, the totals and the credit on account: a fixed number, whatever the number of rows.
MAX_LIST_QUERIES = 20


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _more_invoices(books: Books, n: int) -> None:
    for _ in range(n):  # one invoice per order (the default setting)
        invoice = make_invoice(company=books.p.acme, order=make_order(company=books.p.acme, placed_by=books.p.alice), amount="12.00")
        pay(company=books.p.acme, invoices=[(invoice, "2.00")])


@pytest.mark.parametrize("user", ["alice", "bob", "carol"])
def test_the_invoice_list_reads_a_bounded_number_of_queries(
    books: Books, login: Any, user: str, django_assert_max_num_queries: Any
) -> None:
    client = login(getattr(books.p, user))
    few = _count(client, "/portal/invoices/")
    _more_invoices(books, 30)
    many = _count(client, "/portal/invoices/")
    assert many == few
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        client.get("/portal/invoices/?tab=web&overdue=no&sort=-balance&page=2")


def test_the_payment_list_reads_a_bounded_number_of_queries(books: Books, login: Any, django_assert_max_num_queries: Any) -> None:
    client = login(books.p.bob)
    few = _count(client, "/portal/payments/")
    _more_invoices(books, 20)
    assert _count(client, "/portal/payments/") == few
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        client.get("/portal/payments/")


def test_the_invoice_view_does_not_grow_with_its_payments(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    url = f"/portal/invoices/{books.acme_erp.pk}/"
    few = _count(client, url)
    for _ in range(8):
        pay(company=books.p.acme, invoices=[(books.acme_erp, "1.00")])
    assert _count(client, url) == few


def test_the_export_streams_in_one_query_plus_the_scope(books: Books, login: Any) -> None:
    _more_invoices(books, 10)
    client = login(books.p.bob)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/portal/invoices/export.csv")
        b"".join(response.streaming_content)
    assert len(queries) <= 8


def test_the_invoice_list_reads_the_admins_words_once(books: Books, login: Any) -> None:
    """The filter's status options and the rows' badges share one read of the wording (``request_wording``)."""
    client = login(books.p.bob)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/portal/invoices/").status_code == 200
    assert sum("invoices_documentwording" in q["sql"] for q in queries.captured_queries) == 1
