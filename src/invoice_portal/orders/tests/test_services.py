"""Orders: idempotent upsert by (source, external id), flags after invoicing, one or many invoices per order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import Conflict, InvalidAmount, OrderAlreadyInvoiced, ValidationFailed
from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Invoice, Source
from invoice_portal.invoices.services import invoice_cancel, invoice_create_from_order, invoice_delete, invoice_update
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.orders.services import order_acknowledge_flags, order_cancel, order_upsert
from invoice_portal.testing import make_order

pytestmark = pytest.mark.django_db

LINES = [
    {"sku": "A-1", "description": "Anvil", "quantity": "2", "unit_price": "25.00", "tax_rate": "10"},
    {"sku": "R-2", "description": "Rope", "quantity": "3", "unit_price": "4.50"},
]


def upsert(company: Any, *, external_id: str = "BC-1001", lines: list[dict[str, Any]] = LINES, **extra: Any) -> tuple[Order, bool]:
    return order_upsert(actor=None, source="bigcommerce", external_id=external_id, company=company, lines=lines,
                        order_date=dt.date(2026, 11, 2), **extra)  # fmt: skip


def order_events(order: Order) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="orders.order", object_id=str(order.pk)).order_by("pk").values_list("action", flat=True)
    )


@pytest.fixture
def one_invoice_per_order(db: Any) -> None:
    settings = portal_settings()
    settings.invoices_per_order = InvoicesPerOrder.ONE
    settings.save()


@pytest.fixture
def many_invoices_per_order(db: Any) -> None:
    settings = portal_settings()
    settings.invoices_per_order = InvoicesPerOrder.MANY
    settings.save()


# --- upsert ---------------------------------------------------------------------------------------------------


def test_an_order_is_created_with_its_lines_and_totals(personas):
    order, created = upsert(personas.acme, placed_by=personas.alice)
    assert created
    assert (order.subtotal, order.tax_total, order.total) == (Decimal("63.50"), Decimal("5.00"), Decimal("68.50"))
    assert [(ln.line_no, ln.tax_category) for ln in order.lines.order_by("line_no")] == [(1, "S"), (2, "Z")]
    assert order.placed_by == personas.alice
    assert order_events(order) == ["order.create"]


def test_replaying_the_same_order_changes_nothing(personas):
    order, _ = upsert(personas.acme)
    again, created = upsert(personas.acme)
    assert not created
    assert again.pk == order.pk
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 2
    assert order_events(order) == ["order.create"]


def test_the_same_external_id_from_another_source_is_another_order(personas):
    upsert(personas.acme)
    other, created = order_upsert(actor=None, source="erp", external_id="BC-1001", company=personas.acme, lines=LINES)
    assert created
    assert Order.objects.count() == 2
    assert other.source == "erp"


def test_an_update_before_invoicing_changes_the_order_without_a_flag(personas):
    order, _ = upsert(personas.acme)
    updated, created = upsert(personas.acme, lines=[{**LINES[0], "quantity": "5"}])
    assert not created
    assert not updated.is_flagged
    assert [ln.quantity for ln in updated.lines.all()] == [Decimal("5")]
    assert order_events(order) == ["order.create", "order.update"]


def test_an_order_cannot_move_to_another_company_or_currency(personas):
    upsert(personas.acme)
    with pytest.raises(ValidationFailed, match="another company"):
        upsert(personas.globex)
    with pytest.raises(ValidationFailed, match="the order is in USD"):
        upsert(personas.acme, currency="EUR")


def test_an_order_placed_by_a_user_of_another_company_is_refused(personas):
    with pytest.raises(ValidationFailed, match="placed_by"):
        upsert(personas.acme, placed_by=personas.charlie)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": "0"}, "above zero"),
        ({"quantity": "-1"}, "must not be negative"),
        ({"unit_price": "NaN"}, "not a finite number"),
        ({"unit_price": 1.5}, "not floating point"),
        ({"description": ""}, "required"),
        ({"tax_rate": "101"}, "between 0 and 100"),
    ],
)
def test_a_bad_order_line_is_refused_and_nothing_is_written(personas, change, message):
    with pytest.raises(ValidationFailed, match=message):
        upsert(personas.acme, lines=[{**LINES[0], **change}])
    assert not Order.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_order_without_lines_or_with_an_unknown_source_is_refused(personas):
    with pytest.raises(ValidationFailed, match="at least one line"):
        upsert(personas.acme, lines=[])
    with pytest.raises(ValidationFailed, match="source"):
        order_upsert(actor=None, source="ebay", external_id="1", company=personas.acme, lines=LINES)


def test_an_order_total_beyond_what_can_be_stored_is_refused(personas):
    huge = {"description": "Everything", "quantity": "999999999", "unit_price": "999999999.9999"}
    with pytest.raises(InvalidAmount, match="too large"):
        upsert(personas.acme, lines=[huge])
    assert not Order.objects.exists()


# --- flags after invoicing ----------------------------------------------------------------------------------------


def test_an_update_after_invoicing_raises_the_updated_flag_until_acknowledged(personas, one_invoice_per_order):
    order, _ = upsert(personas.acme)
    invoice_create_from_order(actor=personas.sales, order=order)
    order, _ = upsert(personas.acme, lines=[{**LINES[0], "unit_price": "27.00"}, LINES[1]])
    assert order.flag_updated
    assert not order.flag_canceled
    order = order_acknowledge_flags(actor=personas.sales, order=order)
    assert not order.is_flagged
    assert order_events(order)[-1] == "order.acknowledge"


def test_a_replay_after_invoicing_raises_no_flag(personas, one_invoice_per_order):
    order, _ = upsert(personas.acme)
    invoice_create_from_order(actor=None, order=order)
    order, _ = upsert(personas.acme)
    assert not order.is_flagged


def test_a_cancellation_after_invoicing_raises_the_canceled_flag(personas, one_invoice_per_order):
    order, _ = upsert(personas.acme)
    invoice_create_from_order(actor=None, order=order)
    order = order_cancel(actor=None, order=order)
    assert order.is_canceled
    assert order.flag_canceled
    assert order_cancel(actor=None, order=order).flag_canceled  # a replayed cancellation is harmless
    assert order_events(order).count("order.cancel") == 1


def test_a_cancellation_before_invoicing_raises_no_flag_and_the_order_can_no_longer_be_invoiced(personas):
    order, _ = upsert(personas.acme)
    order = order_cancel(actor=None, order=order)
    assert not order.is_flagged
    with pytest.raises(Conflict, match="canceled"):
        invoice_create_from_order(actor=None, order=order)
    assert not Invoice.objects.exists()


def test_an_order_whose_invoice_was_canceled_is_not_flagged_by_later_updates(personas, one_invoice_per_order):
    order, _ = upsert(personas.acme)
    invoice = invoice_create_from_order(actor=None, order=order)
    invoice_delete(actor=None, invoice=invoice)  # a draft: gone
    order, _ = upsert(personas.acme, lines=[LINES[0]])
    assert not order.is_flagged


# --- invoices per order --------------------------------------------------------------------------------------------


def test_an_invoice_from_an_order_copies_its_lines(personas, one_invoice_per_order):
    order = make_order(company=personas.acme, placed_by=personas.alice)
    invoice = invoice_create_from_order(actor=personas.sales, order=order)
    assert (invoice.source, invoice.order_id, invoice.company_id) == (Source.ORDER, order.pk, personas.acme.pk)
    assert [(ln.description, ln.quantity, ln.order_line_id) for ln in invoice.lines.all()] == [
        (ol.description, ol.quantity, ol.pk) for ol in order.lines.order_by("line_no")
    ]
    assert invoice.total == order.total


def test_with_one_invoice_per_order_a_second_invoice_is_refused(personas, one_invoice_per_order):
    order = make_order(company=personas.acme)
    first = invoice_create_from_order(actor=None, order=order)
    with pytest.raises(OrderAlreadyInvoiced, match="has an invoice already"):
        invoice_create_from_order(actor=None, order=order)
    assert Invoice.objects.filter(order=order).count() == 1
    # Once the live invoice is canceled the order may be invoiced again.
    from invoice_portal.invoices.services import invoice_issue

    invoice_cancel(actor=None, invoice=invoice_issue(actor=None, invoice=first))
    assert invoice_create_from_order(actor=None, order=order).pk != first.pk


def test_with_many_invoices_per_order_each_invoice_copies_only_what_is_not_invoiced_yet(personas, many_invoices_per_order):
    order = make_order(company=personas.acme, lines=2)  # two lines of quantity 2
    first = invoice_create_from_order(actor=None, order=order)
    line_one, line_two = first.lines.order_by("line_no")
    invoice_update(
        actor=None, invoice=first,
        lines=[{"description": line_one.description, "quantity": "1", "unit_price": line_one.unit_price,
                "order_line_id": line_one.order_line_id}],
    )  # fmt: skip
    second = invoice_create_from_order(actor=None, order=order)
    assert [(ln.order_line_id, ln.quantity) for ln in second.lines.all()] == [
        (line_one.order_line_id, Decimal("1")),
        (line_two.order_line_id, Decimal("2")),
    ]
    with pytest.raises(OrderAlreadyInvoiced, match="Every line"):
        invoice_create_from_order(actor=None, order=order)


def test_a_status_change_of_an_invoiced_order_is_not_flagged_as_updated(personas: Any) -> None:
    from invoice_portal.invoices.services import invoice_create_from_order
    from invoice_portal.orders.services import order_upsert
    from invoice_portal.testing import make_order

    order = make_order(company=personas.acme)
    invoice_create_from_order(actor=None, order=order)
    lines = [
        {"sku": ln.sku, "description": ln.description, "quantity": ln.quantity, "unit_price": ln.unit_price} for ln in order.lines.all()
    ]
    order, _ = order_upsert(
        actor=None, source=order.source, external_id=order.external_id, company=personas.acme, lines=lines, status="shipped"
    )
    assert order.status == "shipped"
    assert not order.flag_updated


def test_one_invoice_per_order_holds_for_a_direct_create_with_the_order(personas, one_invoice_per_order):
    """The API's ``POST /invoices`` with an ``order`` and the seller's editor come through ``invoice_create``."""
    from invoice_portal.invoices.services import credit_note_create, invoice_create

    order = make_order(company=personas.acme)
    first = invoice_create(actor=None, company=personas.acme, lines=[{"description": "x", "quantity": "1", "unit_price": "5"}], order=order)
    with pytest.raises(OrderAlreadyInvoiced, match="settings allow one invoice per order"):
        invoice_create(actor=None, company=personas.acme, lines=[{"description": "y", "quantity": "1", "unit_price": "5"}], order=order)
    with pytest.raises(OrderAlreadyInvoiced):
        invoice_create_from_order(actor=None, order=order)
    # Notes amend the invoice; they are not a second invoice of the order.
    from invoice_portal.invoices.services import invoice_issue

    issued = invoice_issue(actor=None, invoice=first)
    credit_note_create(actor=None, invoice=issued, amount="1.00")
    assert Invoice.objects.filter(order=order, kind="invoice").count() == 1


def test_with_many_invoices_per_order_a_direct_create_adds_another(personas, many_invoices_per_order):
    from invoice_portal.invoices.services import invoice_create

    order = make_order(company=personas.acme)
    for _ in range(2):
        invoice_create(actor=None, company=personas.acme, lines=[{"description": "x", "quantity": "1", "unit_price": "5"}], order=order)
    assert Invoice.objects.filter(order=order).count() == 2
