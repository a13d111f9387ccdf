"""What ``make fuzz`` (schemathesis against the running API) found accepted that the schema forbids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from invoice_portal.companies.models import Company
from invoice_portal.testing import Personas, make_invoice, pay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [[None, None], [["name", "Renamed"]], 5, "name", None])
def test_a_body_that_is_not_a_json_object_is_refused_and_changes_nothing(personas: Personas, as_: Any, body: object) -> None:
    finance = as_("finance")
    reply = finance.call("PATCH", f"companies/{personas.acme.pk}", raw=json.dumps(body).encode())
    assert reply.status == 400, reply.body
    assert reply.content_type.startswith("application/problem+json")
    assert Company.objects.get(pk=personas.acme.pk).name == personas.acme.name


DATE_FILTERS = [("invoices", "issued_to"), ("invoices/export.csv", "issued_from"), ("payments", "received_to")]


@pytest.mark.parametrize(("path", "field"), DATE_FILTERS)
@pytest.mark.parametrize("value", ["0", "1700000000", "2026-1-5", "２０２６-01-05"])
def test_a_date_filter_is_written_yyyy_mm_dd_not_a_timestamp(personas: Personas, as_: Any, path: str, field: str, value: str) -> None:
    reply = as_("finance").get(f"{path}?{field}={value}")
    assert reply.status == 422, (value, reply.status)
    assert field in reply.body["detail"]


def test_a_date_filter_in_yyyy_mm_dd_still_filters(personas: Personas, as_: Any) -> None:
    invoice = make_invoice(company=personas.acme, amount="10.00")
    pay(company=personas.acme, invoices=[(invoice, "10.00")], amount="10.00")
    assert invoice.issue_date is not None
    day = invoice.issue_date.isoformat()
    assert [i["id"] for i in as_("finance").get(f"invoices?issued_from={day}&issued_to={day}").body["items"]] == [invoice.pk]
    assert as_("finance").get("payments?received_to=1999-12-31").body["items"] == []
