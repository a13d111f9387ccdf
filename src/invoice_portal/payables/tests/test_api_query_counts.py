"""The AP API's lists run a fixed number of queries however many POs and invoices they return."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all

pytestmark = pytest.mark.django_db


def grow(ap: ApPersonas, n: int) -> None:
    for _ in range(n):
        flip(make_po(supplier=ap.northwind, requester=ap.requester), actor=ap.sue)
        received = make_po(supplier=ap.northwind)
        receive_all(received)
        flip(received, actor=ap.clerk)
        flip(make_po(supplier=ap.initech), actor=ap.ivan)


def count(client: ApiClient, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        reply = client.get(path)
    assert reply.status == 200, reply.body
    assert reply.body["items"]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["clerk", "sue"])
@pytest.mark.parametrize(("path", "ceiling"), [("purchase-orders", 3), ("received-invoices", 3)])
def test_ap_api_lists_run_a_fixed_number_of_queries(
    ap: ApPersonas, who: str, path: str, ceiling: int, django_assert_max_num_queries: Any
) -> None:
    client = ApiClient(api_token_create(actor=None, user=getattr(ap, who), name="tests")[1])
    grow(ap, 2)
    count(client, path)  # the token's first use records when it was used
    few = count(client, path)
    grow(ap, 6)
    many = count(client, path)
    assert many == few, f"{path} as {who}: {few} queries with few rows, {many} with more (N+1?)"
    with django_assert_max_num_queries(ceiling):
        client.get(path)
