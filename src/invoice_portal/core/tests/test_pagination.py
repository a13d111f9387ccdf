"""The capped page count: "N+" past the cap, and a count a selector has made already is not made again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.test.utils import CaptureQueriesContext

from invoice_portal.companies.models import Company
from invoice_portal.core.pagination import CappedPaginator, counted
from invoice_portal.testing import make_company

pytestmark = pytest.mark.django_db


class SmallCap(CappedPaginator):
    cap = 3


@pytest.fixture
def five() -> None:
    for n in range(5):
        make_company(name=f"Counted {n}", currency="EUR" if n < 2 else "USD")


def counted_rows() -> QuerySet[Company]:
    return Company.objects.filter(name__startswith="Counted")


@pytest.mark.usefixtures("five")
def test_past_the_cap_the_count_stops_and_says_so() -> None:
    pages = SmallCap(counted_rows(), 2)
    assert pages.count == 4
    assert pages.is_capped
    assert pages.count_label == "3+"
    assert pages.pages_label == "2+"
    exact = SmallCap(counted_rows().filter(currency="EUR"), 2)
    assert (exact.count, exact.is_capped, exact.count_label, exact.pages_label) == (2, False, "2", "1")


@pytest.mark.usefixtures("five")
def test_rows_counted_by_a_selector_are_not_counted_again_by_their_page() -> None:
    rows, number = counted(counted_rows(), cap=3)
    assert number == 4
    # As a list page derives them: sorted, with a badge per row.
    page_rows = rows.order_by("-name").annotate(has_subsidiary=Exists(Company.objects.filter(parent=OuterRef("pk"))))
    with CaptureQueriesContext(connection) as ctx:
        pages = SmallCap(page_rows, 2)
        assert pages.count_label == "3+"
    assert ctx.captured_queries == []


@pytest.mark.usefixtures("five")
def test_a_filter_added_after_the_count_is_counted_again() -> None:
    rows, number = counted(counted_rows(), cap=3)
    assert number == 4
    with CaptureQueriesContext(connection) as ctx:
        pages = SmallCap(rows.filter(currency="EUR"), 2)
        assert pages.count == 2
    assert len(ctx.captured_queries) == 1


@pytest.mark.usefixtures("five")
def test_a_count_under_another_cap_is_not_taken_for_the_pages() -> None:
    rows, number = counted(counted_rows(), cap=1)
    assert number == 2
    assert SmallCap(rows, 2).count == 4


def test_rows_that_cannot_match_count_nothing_without_a_statement() -> None:
    with CaptureQueriesContext(connection) as ctx:
        rows, number = counted(Company.objects.none())
        assert number == 0
        assert CappedPaginator(rows, 2).count == 0
    assert ctx.captured_queries == []
