"""/orders: list with filters, upsert by (source, external_id), update, cancel, flags, invoice from order."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Order
from invoice_portal.testing import Personas, make_order

pytestmark = pytest.mark.django_db


def _order(personas: Personas, **over: Any) -> dict[str, Any]:
    return {
        "source": "bigcommerce", "external_id": "BC-100", "company": personas.acme.pk, "status": "awaiting_fulfillment",
        "placed_by_email": "alice@acme.test", "order_date": "2026-11-02", "po_number": "PO-9",
        "lines": [{"sku": "W-1", "description": "Widget", "quantity": "3", "unit_price": "20.00", "tax_rate": "10"}],
        **over,
    }  # fmt: skip


def test_upsert_creates_then_updates_the_same_order(as_: Any, personas: Personas) -> None:
    created = as_("admin").post("orders", _order(personas))
    assert created.status == 201
    assert created.body["total"] == "66.00"
    assert created.body["placed_by"] == personas.alice.pk
    assert created.body["lines"][0]["quantity"] == "3"
    assert created.body["lines"][0]["unit_price"] == "20.00"
    updated = as_("admin").post("orders", _order(personas, status="shipped"))
    assert updated.status == 200
    assert updated.body["id"] == created.body["id"]
    assert updated.body["status"] == "shipped"
    assert Order.objects.count() == 1


def test_upsert_refuses_bad_references(as_: Any, personas: Personas) -> None:
    body = problem_of(as_("admin").post("orders", _order(personas, placed_by_email="ghost@example.test")), 422)
    assert body["errors"][0]["field"] == "placed_by_email"
    body = problem_of(as_("admin").post("orders", _order(personas, company=999999)), 422)
    assert body["errors"][0]["field"] == "company"
    problem_of(as_("admin").post("orders", _order(personas, placed_by_email="charlie@globex.test")), 422)
    problem_of(as_("admin").post("orders", _order(personas, lines=[])), 422)
    problem_of(as_("admin").post("orders", _order(personas, source="amazon")), 422)
    assert Order.objects.count() == 0


def test_list_filters_by_source_status_flags_company_and_external_id(as_: Any, personas: Personas) -> None:
    a = make_order(company=personas.acme, source="bigcommerce", external_id="A-1")
    b = make_order(company=personas.globex, source="erp", external_id="B-1")
    Order.objects.filter(pk=b.pk).update(flag_updated=True, status="shipped")
    client = as_("sales")

    def ids(query: str) -> list[int]:
        reply = client.get(f"orders?{query}")
        assert reply.status == 200, reply.body
        return [o["id"] for o in reply.body["items"]]

    assert set(ids("")) == {a.pk, b.pk}
    assert ids("source=erp") == [b.pk]
    assert ids("status=shipped") == [b.pk]
    assert ids("flagged=true") == [b.pk]
    assert ids("flagged=false") == [a.pk]
    assert ids("flag=updated") == [b.pk]
    assert ids("flag=canceled") == []
    assert ids(f"company={personas.acme.pk}") == [a.pk]
    assert ids("customer=GLOBEX") == [b.pk]
    assert ids("external_id=A-1") == [a.pk]


def test_patch_updates_fields_and_flags_an_invoiced_order(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme)
    assert as_("sales").post(f"orders/{order.pk}/invoice").status == 201
    reply = as_("admin").patch(f"orders/{order.pk}", {"status": "shipped", "po_number": "PO-1"})
    assert reply.status == 200
    assert (reply.body["status"], reply.body["po_number"], reply.body["flag_updated"]) == ("shipped", "PO-1", True)
    assert len(reply.body["lines"]) == 2  # lines untouched
    reply = as_("admin").patch(f"orders/{order.pk}", {"lines": [{"description": "Only one", "unit_price": "5.00"}]})
    assert [ln["description"] for ln in reply.body["lines"]] == ["Only one"]
    acknowledged = as_("sales").post(f"orders/{order.pk}/acknowledge")
    assert acknowledged.status == 200
    assert acknowledged.body["flag_updated"] is False
    problem_of(as_("admin").patch(f"orders/{order.pk}", {"status": None}), 422)


def test_cancel_after_invoicing_raises_the_canceled_flag(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme)
    as_("sales").post(f"orders/{order.pk}/invoice")
    reply = as_("admin").post(f"orders/{order.pk}/cancel", {"status": "refunded"})
    assert reply.status == 200
    assert (reply.body["is_canceled"], reply.body["flag_canceled"], reply.body["status"]) == (True, True, "refunded")
    assert as_("admin").post(f"orders/{make_order(company=personas.acme).pk}/cancel").body["flag_canceled"] is False


def test_invoice_from_order_copies_its_lines_once(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme, placed_by=personas.alice)
    reply = as_("sales").post(
        f"orders/{order.pk}/invoice", {"extra_lines": [{"kind": "cost", "description": "Shipping", "unit_price": "7.50"}]}
    )
    assert reply.status == 201
    body = reply.body
    assert (body["status"], body["source"], body["order"], body["order_external_id"]) == ("draft", "order", order.pk, order.external_id)
    assert [(ln["description"], ln["kind"]) for ln in body["lines"]] == [("Product 1", "item"), ("Product 2", "item"), ("Shipping", "cost")]
    assert body["total"] == "107.50"
    problem_of(as_("sales").post(f"orders/{order.pk}/invoice"), 409, "order_already_invoiced")
    assert Invoice.objects.filter(order=order).count() == 1


def test_a_canceled_order_cannot_be_invoiced(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme)
    as_("admin").post(f"orders/{order.pk}/cancel")
    problem_of(as_("sales").post(f"orders/{order.pk}/invoice"), 409)


def test_sales_reads_orders_but_does_not_push_them(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme)
    assert as_("sales").get(f"orders/{order.pk}").status == 200
    problem_of(as_("sales").post("orders", _order(personas)), 403)
    problem_of(as_("sales").patch(f"orders/{order.pk}", {"status": "x"}), 403)
    problem_of(as_("finance").post(f"orders/{order.pk}/cancel"), 403)
    problem_of(as_("admin").get("orders/999999"), 404)
