"""GET /api/v1/events: the change feed, its cursor and who may read it."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.events.models import Event
from invoice_portal.testing import Personas, make_invoice, pay

pytestmark = pytest.mark.django_db


def test_the_feed_lists_events_in_position_order_and_the_cursor_resumes(personas: Personas, as_: Any) -> None:
    invoice = make_invoice(company=personas.acme, amount="10.00")
    pay(company=personas.acme, invoices=[(invoice, "10.00")])
    first = as_("finance").get("events?limit=2")
    assert first.status == 200
    assert [e["type"] for e in first.body["items"]] == ["invoice.issued", "payment.recorded"]
    assert [e["position"] for e in first.body["items"]] == [1, 2]
    rest = as_("finance").get(f"events?after={first.body['next_cursor']}")
    assert [e["type"] for e in rest.body["items"]] == ["invoice.paid"]
    assert rest.body["items"][0]["data"]["status"] == "paid"
    empty = as_("finance").get(f"events?after={rest.body['next_cursor']}")
    assert empty.body == {"items": [], "next_cursor": rest.body["next_cursor"]}, "an empty page keeps the cursor"


def test_a_type_filter_still_advances_the_cursor_past_other_events(personas: Personas, as_: Any) -> None:
    invoice = make_invoice(company=personas.acme, amount="10.00")
    pay(company=personas.acme, invoices=[(invoice, "10.00")])
    page = as_("admin").get("events?type=payment.recorded")
    assert [e["type"] for e in page.body["items"]] == ["payment.recorded"]
    assert page.body["next_cursor"] == "3"
    assert page.body["items"][0]["data"]["allocations"] == [{"invoice_id": invoice.pk, "amount": "10.00"}]


def test_buyers_are_refused_the_feed_and_a_bad_cursor_is_a_422(personas: Personas, as_: Any, anonymous: ApiClient) -> None:
    make_invoice(company=personas.acme)
    for buyer in ("alice", "bob", "carol", "charlie"):
        reply = as_(buyer).get("events")
        assert reply.status == 403
        assert reply.content_type.startswith("application/problem+json")
    assert anonymous.get("events").status == 401
    assert as_("finance").get("events?after=-1").status == 422
    assert as_("finance").get("events?after=abc").status == 422
    assert as_("finance").get("events?type=invoice.nonsense").status == 422
    assert Event.objects.count() == 1
