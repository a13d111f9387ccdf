"""The batched loader: ``invoices_match`` gives each invoice exactly what ``invoice_match`` gives it, in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoice_portal.invoices.models import Invoice
from invoice_portal.payables.models import MatchLine, SupplierTolerance
from invoice_portal.payables.services.matching import invoice_match, invoices_match
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all

pytestmark = pytest.mark.django_db


def _stored(ids: list[int]) -> list[tuple[Any, ...]]:
    return list(
        MatchLine.objects.filter(invoice_id__in=ids)
        .order_by("invoice_id", "line_no", "reason")
        .values_list("invoice_id", "line_no", "reason", "passed", "expected", "actual", "tolerance", "message")
    )


def test_batched_matching_equals_one_by_one_and_its_query_count_does_not_grow(ap: ApPersonas, django_assert_max_num_queries: Any) -> None:
    SupplierTolerance.objects.create(supplier=ap.initech, price_tolerance_percent=Decimal("20"))
    shared = make_po(supplier=ap.northwind)
    receive_all(shared)
    invoices = [
        flip(shared, actor=ap.sue, quantities=["6", "1"]),  # two invoices on one PO: each counts the other as billed before
        flip(shared, actor=ap.sue, quantities=["6", "1"]),
        flip(make_po(supplier=ap.northwind), actor=ap.sue),  # nothing received
    ]
    po = make_po(supplier=ap.initech)
    receive_all(po)
    invoices.append(flip(po, actor=ap.ivan, prices=["5.60", "100.00"]))  # within Initech's own tolerance
    for _ in range(3):
        more = make_po(supplier=ap.northwind)
        receive_all(more)
        invoices.append(flip(more, actor=ap.sue, prices=["5.60", "100.00"]))
    invoices = list(Invoice.objects.filter(pk__in=[i.pk for i in invoices]).order_by("pk"))
    ids = [i.pk for i in invoices]
    one_by_one = {i.pk: invoice_match(i) for i in invoices}
    expected = _stored(ids)
    with django_assert_max_num_queries(8):
        batched = invoices_match(invoices)
    assert batched == one_by_one
    assert _stored(ids) == expected
    assert {r.outcome for r in batched.values()} >= {"matched", "not_received", "exception"}
