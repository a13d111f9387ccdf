"""ERP order batches go through ``order_upsert``; ERP invoices can then link to them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.audit.models import AuditEvent
from invoice_portal.imports.tests.helpers import errors_of, invoice_row, order_row, run_import
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Order
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def _orders() -> list[dict[str, str]]:
    return [
        order_row(
            external_id="SO-1",
            description="Widget",
            quantity="4",
            unit_price="25.00",
            tax_rate="20",
            status="open",
            placed_by_email="alice@acme.test",
            order_date="2026-10-28",
            po_number="PO-1",
        ),
        order_row(external_id="SO-1", description="Gadget", unit_price="5.00", tax_rate="20"),
        order_row(external_id="SO-2", company="GLOBEX", description="Thing", unit_price="7.00", direction="purchase"),
    ]


def test_orders_are_upserted_with_their_lines(personas: Personas) -> None:
    batch = run_import(_orders(), kind="orders", actor=personas.admin)

    assert batch.status == "succeeded", batch.errors
    order = Order.objects.get(source="erp", external_id="SO-1")
    assert order.placed_by == personas.alice
    assert order.status == "open"
    assert order.po_number == "PO-1"
    assert order.total == Decimal("126.00")
    assert order.lines.count() == 2
    assert Order.objects.get(external_id="SO-2").direction == "purchase"
    assert AuditEvent.objects.filter(action="order.create", channel="import").count() == 2


def test_reimporting_orders_changes_nothing_and_a_blank_status_keeps_the_order_s(personas: Personas) -> None:
    run_import(_orders(), kind="orders")
    events = AuditEvent.objects.count()
    rows = _orders()
    rows[0].pop("status")

    again = run_import(rows, kind="orders")

    assert again.summary["unchanged"] == 2, again.summary
    assert AuditEvent.objects.count() == events
    assert Order.objects.get(external_id="SO-1").status == "open"


def test_a_changed_order_that_was_invoiced_is_flagged(personas: Personas) -> None:
    run_import(_orders(), kind="orders")
    assert run_import([invoice_row(external_id="INV-SO-1", erp_order_id="SO-1")]).status == "succeeded"
    invoice = Invoice.objects.get(external_id="INV-SO-1")
    assert invoice.order == Order.objects.get(external_id="SO-1")
    assert invoice.po_number == "PO-1"
    rows = _orders()
    rows[1]["quantity"] = "2"

    batch = run_import(rows, kind="orders")

    assert batch.summary["updated"] == 1
    order = Order.objects.get(external_id="SO-1")
    assert order.flag_updated
    assert order.total == Decimal("132.00")


def test_order_rows_are_checked_cell_by_cell(personas: Personas) -> None:
    rows = _orders()
    rows[0]["placed_by_email"] = "charlie@globex.test"  # a user of another company
    rows[1]["tax_category"] = "Z"  # with a 20 % rate
    rows[2]["unit_price"] = "-7"
    rows.append(order_row(external_id="SO-3", company="NOBODY"))

    batch = run_import(rows, kind="orders")

    assert errors_of(batch) == {(2, "placed_by_email"), (3, "tax_rate"), (4, "unit_price"), (5, "company_external_id")}
    assert not Order.objects.exists()
