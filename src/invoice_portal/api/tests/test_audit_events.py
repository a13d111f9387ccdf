"""/audit-events: the trail of one object, with who, what, before/after and from where."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.testing import Personas, make_invoice, make_order, pay

pytestmark = pytest.mark.django_db


def test_the_trail_of_an_invoice_changed_over_the_api(as_: Any, personas: Personas) -> None:
    created = as_("sales").post("invoices", {"company": personas.acme.pk, "lines": [{"description": "A", "unit_price": "5.00"}]}).body
    as_("sales").post(f"invoices/{created['id']}/issue")
    reply = as_("sales").get(f"audit-events?object_type=invoice&object_id={created['id']}")
    assert reply.status == 200
    events = reply.body["items"]
    assert [e["action"] for e in events] == ["invoice.create", "invoice.issue"]
    assert {(e["channel"], e["actor"], e["actor_label"]) for e in events} == {("api", personas.sales.pk, "sales@demo.test")}
    assert events[1]["before"]["status"] == "draft"
    assert events[1]["after"]["status"] == "open"
    assert events[0]["channel_ref"].startswith("token:")


@pytest.mark.parametrize("object_type", ["invoice", "payment", "company", "order"])
def test_every_kind_of_object_has_a_trail(as_: Any, personas: Personas, object_type: str) -> None:
    invoice = make_invoice(company=personas.acme)
    objects = {
        "invoice": invoice.pk,
        "payment": pay(company=personas.acme, invoices=[(invoice, "1.00")]).pk,
        "company": as_("finance").post("companies", {"name": "Trail Co"}).body["id"],
        "order": make_order(company=personas.acme).pk,
    }
    reply = as_("finance").get(f"audit-events?object_type={object_type}&object_id={objects[object_type]}")
    assert reply.status == 200, reply.body
    assert reply.body["items"]


def test_unknown_objects_and_types(as_: Any, personas: Personas) -> None:
    problem_of(as_("finance").get("audit-events?object_type=invoice&object_id=999999"), 404)
    problem_of(as_("finance").get("audit-events?object_type=user&object_id=1"), 422)
    problem_of(as_("finance").get("audit-events?object_type=invoice"), 422)


def test_the_trail_needs_the_permission_to_see_the_object(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    for name in ("alice", "bob", "carol", "charlie"):
        problem_of(as_(name).get(f"audit-events?object_type=invoice&object_id={invoice.pk}"), 403)
