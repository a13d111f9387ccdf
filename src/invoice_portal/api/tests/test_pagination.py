"""Cursor pagination: every row once, in order, whatever the sort (NULLs included); bounded limits; flat query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.testing import Personas, make_company, make_invoice, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_invoices(personas: Personas) -> list[int]:
    ids = []
    for i in range(7):
        ids.append(make_invoice(company=personas.acme, amount=f"{10 + i % 3}.00", issue_date=dt.date(2026, 1, 1 + i % 4)).pk)
    for _ in range(3):
        ids.append(make_invoice(company=personas.globex, status="draft").pk)  # NULL issue date and number
    return ids


def _walk(client: Any, path: str, limit: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        sep = "&" if "?" in path else "?"
        reply = client.get(f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        assert len(reply.body["items"]) <= limit
        seen.extend(reply.body["items"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize(
    "sort", ["-issue_date", "issue_date", "number", "-number", "total", "-total", "-due_date", "customer", "-customer"]
)
@pytest.mark.parametrize("limit", [1, 3])
def test_every_invoice_is_listed_once_in_sort_order(as_: Any, many_invoices: list[int], sort: str, limit: int) -> None:
    client = as_("finance")
    paged = [row["id"] for row in _walk(client, f"invoices?sort={sort}", limit)]
    assert sorted(paged) == sorted(many_invoices)
    whole = client.get(f"invoices?sort={sort}&limit=200").body["items"]
    assert paged == [row["id"] for row in whole]


def test_null_sort_values_sort_last_ascending_and_first_descending(as_: Any, many_invoices: list[int]) -> None:
    client = as_("finance")
    ascending = client.get("invoices?sort=issue_date&limit=200").body["items"]
    assert [r["issue_date"] is None for r in ascending] == [False] * 7 + [True] * 3
    descending = client.get("invoices?sort=-issue_date&limit=200").body["items"]
    assert [r["issue_date"] is None for r in descending] == [True] * 3 + [False] * 7


def test_pages_stay_stable_when_rows_are_added(as_: Any, personas: Personas, many_invoices: list[int]) -> None:
    client = as_("finance")
    first = client.get("invoices?sort=-issue_date&limit=4").body
    make_invoice(company=personas.acme, issue_date=dt.date(2030, 1, 1))  # sorts before the first page
    rest = _walk(client, f"invoices?sort=-issue_date&cursor={first['next_cursor']}", 4)
    ids = [r["id"] for r in first["items"]] + [r["id"] for r in rest]
    assert sorted(ids) == sorted(many_invoices)


@pytest.mark.parametrize("cursor", ["garbage", "e30", "eyJzIjoiLWlzc3VlX2RhdGUiLCJ2IjpbMV19", "AAAA", "eyJzIjoieCJ9"])
def test_a_forged_cursor_is_422(as_: Any, many_invoices: list[int], cursor: str) -> None:
    body = problem_of(as_("finance").get(f"invoices?cursor={cursor}"), 422)
    assert body["errors"][0]["field"] == "cursor"


def test_a_cursor_from_another_sort_is_refused(as_: Any, many_invoices: list[int]) -> None:
    cursor = as_("finance").get("invoices?sort=total&limit=2").body["next_cursor"]
    problem_of(as_("finance").get(f"invoices?sort=-issue_date&cursor={cursor}"), 422)


def test_limit_is_between_1_and_200(as_: Any, many_invoices: list[int]) -> None:
    problem_of(as_("finance").get("invoices?limit=201"), 422)
    problem_of(as_("finance").get("invoices?limit=0"), 422)
    assert len(as_("finance").get("invoices?limit=200").body["items"]) == 10


@pytest.mark.parametrize("path", ["payments?sort=amount", "payments", "companies", "companies?sort=-name", "orders", "audit-events"])
def test_other_lists_page_through_every_row(as_: Any, personas: Personas, path: str) -> None:
    invoices = [make_invoice(company=personas.acme) for _ in range(3)]
    for invoice in invoices:
        pay(company=personas.acme, invoices=[(invoice, "30.00")])
    for _ in range(3):
        make_company()
    from invoice_portal.testing import make_order

    for _ in range(4):
        make_order(company=personas.acme)
    if path == "audit-events":
        path = f"audit-events?object_type=invoice&object_id={invoices[0].pk}"
    client = as_("finance")
    whole = client.get(f"{path}{'&' if '?' in path else '?'}limit=200").body["items"]
    assert len(whole) >= 2
    assert [r["id"] for r in _walk(client, path, 1)] == [r["id"] for r in whole]


def _queries(client: Any, path: str) -> int:
    client.get(path)  # the token's first call of the minute also records last_used_at
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["invoices?limit=200", "payments?limit=200", "orders?limit=200", "companies?limit=200"])
def test_list_query_count_does_not_grow_with_rows(as_: Any, personas: Personas, path: str) -> None:
    from invoice_portal.testing import make_order

    def add_rows() -> None:
        for _ in range(3):
            invoice = make_invoice(company=personas.acme, order=make_order(company=personas.acme))
            pay(company=personas.acme, invoices=[(invoice, "10.00")])
            make_company()

    client = as_("finance")
    add_rows()
    few = _queries(client, path)
    add_rows()
    add_rows()
    assert _queries(client, path) == few
    assert few <= 6


def test_buyer_list_query_count_does_not_grow_with_rows(as_: Any, personas: Personas) -> None:
    for _ in range(3):
        make_invoice(company=personas.acme)
    few = _queries(as_("bob"), "invoices")
    for _ in range(6):
        make_invoice(company=personas.acme)
    assert _queries(as_("bob"), "invoices") == few


@pytest.mark.parametrize("sort", ["-issue_date", "number", "-total"])
def test_a_number_search_pages_through_its_matches_in_sort_order(as_: Any, many_invoices: list[int], sort: str) -> None:
    client = as_("finance")
    paged = _walk(client, f"invoices?number=inv-&sort={sort}", 2)
    whole = client.get(f"invoices?sort={sort}&limit=200").body["items"]
    assert [row["id"] for row in paged] == [row["id"] for row in whole if row["number"]]
