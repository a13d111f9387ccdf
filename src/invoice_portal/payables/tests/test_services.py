"""AP intake rules: receipts, supplier numbers, routing, cancel, credit invoices, retrofit, check-books."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.core.errors import CreditExceedsInvoice, InvalidTransition, PermissionDenied, ValidationFailed
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus, Status
from invoice_portal.orders.models import PurchaseOrderStatus, Receipt
from invoice_portal.payables.models import PayablesSettings
from invoice_portal.payables.services import (
    DuplicateSupplierNumber,
    OverReceipt,
    purchase_order_close,
    purchase_order_upsert,
    receipt_record,
    received_invoice_cancel,
    received_invoice_create,
    retrofit_invoice_create,
    retrofit_order_accept,
    retrofit_order_reject,
)
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import refused

pytestmark = pytest.mark.django_db


def test_receipts_move_the_po_from_open_to_partly_received_to_received(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    first, second = po.lines.order_by("line_no")
    assert po.po_status == PurchaseOrderStatus.OPEN
    receipt_record(actor=ap.clerk, order=po, lines=[{"order_line": first.pk, "quantity": "4"}])
    po.refresh_from_db()
    assert po.po_status == PurchaseOrderStatus.PARTLY_RECEIVED
    receipt_record(actor=ap.clerk, order=po, lines=[{"order_line": first.pk, "quantity": "6"}, {"order_line": second.pk, "quantity": "2"}])
    po.refresh_from_db()
    assert po.po_status == PurchaseOrderStatus.RECEIVED
    assert Receipt.objects.filter(order_line__order=po).count() == 3
    assert check_books() == []


def test_receiving_more_than_ordered_needs_a_reason(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    first = po.lines.get(line_no=1)
    receipt_record(actor=ap.clerk, order=po, lines=[{"order_line": first.pk, "quantity": "8"}])
    with refused(OverReceipt, "needs an over-receipt reason"):
        receipt_record(actor=ap.clerk, order=po, lines=[{"order_line": first.pk, "quantity": "3"}])
    three = [{"order_line": first.pk, "quantity": "3"}]
    receipt_record(actor=ap.clerk, order=po, lines=three, over_receipt_reason="Supplier sent a spare box")
    assert Receipt.objects.filter(order_line=first, over_receipt_reason="Supplier sent a spare box").count() == 1
    assert check_books() == []


def test_a_receipt_against_another_orders_line_is_refused(ap: ApPersonas) -> None:
    po, other = make_po(supplier=ap.northwind), make_po(supplier=ap.northwind)
    with refused(ValidationFailed, "is not a line of purchase order"):
        receipt_record(actor=ap.clerk, order=po, lines=[{"order_line": other.lines.first().pk, "quantity": "1"}])  # type: ignore[union-attr]


def test_a_supplier_number_is_unique_per_supplier_but_not_across_suppliers(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    flip(po, actor=ap.sue, number="NW-100")
    with refused(DuplicateSupplierNumber, "already sent an invoice numbered nw-100"):
        flip(po, actor=ap.sue, number="nw-100")
    flip(make_po(supplier=ap.initech), actor=ap.ivan, number="NW-100")
    assert Invoice.objects.filter(number="NW-100").count() == 2


def test_an_invoice_for_goods_not_yet_received_waits_and_a_receipt_routes_it_again(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    invoice = flip(po, actor=ap.sue)
    assert (invoice.ap_status, invoice.status) == (ReceivedStatus.PENDING_RECEIVING, Status.OPEN)
    receive_all(po, actor=ap.clerk)
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    assert check_books() == []


def test_a_price_above_the_po_puts_the_invoice_on_hold_with_the_reason(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=["5.50", "100.00"])
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    assert "line 1: price 5.5, ordered at 5" in invoice.ap_reason


def test_an_invoice_from_a_non_invoice_order_is_recorded_and_marked_never_paid(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind, no_invoice_expected=True)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk, source="manual")
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    assert "Non-invoice order" in invoice.ap_reason


def test_only_the_creator_cancels_and_only_before_approval(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    waiting = flip(po, actor=ap.sue)
    with refused(PermissionDenied, "Only the person who entered"):
        received_invoice_cancel(actor=ap.sam, invoice=waiting)
    canceled = received_invoice_cancel(actor=ap.sue, invoice=waiting, reason="Sent twice")
    assert (canceled.ap_status, canceled.status, canceled.ap_reason) == (ReceivedStatus.CANCELED, Status.CANCELED, "Sent twice")
    receive_all(po)
    accepted = flip(po, actor=ap.sue)
    assert accepted.ap_status == ReceivedStatus.ACCEPTED
    with refused(InvalidTransition, "only before it is approved"):
        received_invoice_cancel(actor=ap.sue, invoice=accepted)
    with refused(InvalidTransition, "nothing can change it"):
        received_invoice_cancel(actor=ap.sue, invoice=canceled)
    assert check_books() == []


def test_a_credit_invoice_credits_at_most_its_invoice(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.sue)  # 10 × 5.00 + 2 × 100.00 = 250.00
    assert invoice.total == Decimal("250.00")
    credit_line = {"description": "Returned", "quantity": "1", "unit_price": "200.00"}
    credit = received_invoice_create(actor=ap.sue, supplier=ap.northwind, number="CR-1", lines=[credit_line], kind="credit_note",
                                     related_invoice=invoice)  # fmt: skip
    assert (credit.ap_status, credit.order_id) == (ReceivedStatus.ACCEPTED, po.pk)
    with refused(CreditExceedsInvoice, "credited at most its total"):
        received_invoice_create(actor=ap.sue, supplier=ap.northwind, number="CR-2", lines=[{**credit_line, "unit_price": "50.01"}],
                                kind="credit_note", related_invoice=invoice)  # fmt: skip
    assert check_books() == []


def test_a_discount_needs_the_setting_and_gives_gross_discount_net(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    with refused(ValidationFailed, "discounts are switched off"):
        flip(po, actor=ap.sue, discount="10.00")
    PayablesSettings.objects.update_or_create(pk=1, defaults={"discounts_enabled": True})
    invoice = flip(po, actor=ap.sue, discount="10.00")
    assert (invoice.line_net_total, invoice.allowance_total, invoice.total) == (Decimal("250.00"), Decimal("10.00"), Decimal("240.00"))


def test_a_retrofit_invoice_waits_for_its_requester_who_accepts_it(ap: ApPersonas) -> None:
    lines = [{"description": "Emergency plumbing", "quantity": "3", "unit_code": "HUR", "unit_price": "80.00"}]
    invoice = retrofit_invoice_create(actor=ap.clerk, supplier=ap.northwind, number="NW-R1", lines=lines, requester=ap.requester)
    order = invoice.order
    assert order is not None
    assert (order.source, order.requester) == ("retrofit", ap.requester)
    assert invoice.ap_status == ReceivedStatus.PENDING_INITIAL_ACCEPTANCE
    assert invoice.lines.get().order_line == order.lines.get()
    with refused(PermissionDenied, "Only the requester"):
        retrofit_order_accept(actor=ap.clerk, order=order)
    [accepted] = retrofit_order_accept(actor=ap.requester, order=order, comment="Yes, they came on Sunday")
    assert accepted.ap_status == ReceivedStatus.ACCEPTED
    order.refresh_from_db()
    assert order.po_status == PurchaseOrderStatus.RECEIVED
    assert check_books() == []


def test_a_rejected_retrofit_invoice_is_final(ap: ApPersonas) -> None:
    lines = [{"description": "Unasked consulting", "quantity": "1", "unit_price": "900.00"}]
    invoice = retrofit_invoice_create(actor=ap.sam, supplier=ap.northwind, number="NW-R2", lines=lines, requester=ap.requester,
                                      source="supplier_portal")  # fmt: skip
    assert invoice.order is not None
    with refused(ValidationFailed, "say why"):
        retrofit_order_reject(actor=ap.requester, order=invoice.order, comment=" ")
    [rejected] = retrofit_order_reject(actor=ap.requester, order=invoice.order, comment="Nobody here ordered this")
    assert (rejected.ap_status, rejected.status) == (ReceivedStatus.REJECTED, Status.CANCELED)
    assert rejected.ap_reason == "Nobody here ordered this"
    with refused(InvalidTransition, "nothing can change it"):
        received_invoice_cancel(actor=ap.sam, invoice=rejected)
    assert check_books() == []


def test_a_po_line_cannot_shrink_below_what_was_received(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind, external_id="PO-SHRINK")
    receipt_record(actor=ap.clerk, order=po, lines=[{"order_line": po.lines.get(line_no=1).pk, "quantity": "6"}])
    with refused(ValidationFailed, "6 were received already"):
        purchase_order_upsert(actor=None, source="erp", external_id="PO-SHRINK", supplier=ap.northwind,
                              lines=[{"description": "Item 1", "quantity": "5", "unit_price": "5.00"}])  # fmt: skip


def test_purchase_orders_go_only_to_suppliers(ap: ApPersonas) -> None:
    from invoice_portal.testing import make_company

    customer = make_company(name="Just a customer")
    with refused(ValidationFailed, "is not a supplier"):
        make_po(supplier=customer)


def test_check_books_names_a_received_invoice_whose_content_was_changed(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    invoice = flip(po, actor=ap.sue)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.due_date.replace(year=2030))  # type: ignore[union-attr]
    assert [v.rule for v in check_books()] == ["tampered"]


def test_a_po_with_receipts_or_a_live_invoice_is_closed_not_canceled(ap: ApPersonas) -> None:
    received = make_po(supplier=ap.northwind)
    receipt_record(actor=ap.clerk, order=received, lines=[{"order_line": received.lines.first().pk, "quantity": "1"}])  # type: ignore[union-attr]
    with pytest.raises(InvalidTransition, match="has receipts"):
        purchase_order_close(actor=ap.clerk, order=received, cancel=True)
    invoiced = make_po(supplier=ap.northwind)
    invoice = flip(invoiced, actor=ap.sue)
    with pytest.raises(InvalidTransition, match="has invoices"):
        purchase_order_close(actor=ap.clerk, order=invoiced, cancel=True)
    received_invoice_cancel(actor=ap.sue, invoice=invoice)  # a canceled invoice no longer holds the PO
    assert purchase_order_close(actor=ap.clerk, order=invoiced, cancel=True).po_status == PurchaseOrderStatus.CANCELED
    closed = purchase_order_close(actor=ap.clerk, order=received)
    assert closed.po_status == PurchaseOrderStatus.CLOSED
    assert not closed.is_canceled
    with pytest.raises(InvalidTransition, match="closed already"):
        purchase_order_close(actor=ap.clerk, order=received, cancel=True)


def test_no_invoice_is_entered_on_a_canceled_po(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    purchase_order_close(actor=ap.clerk, order=po, cancel=True)
    with pytest.raises(ValidationFailed, match="canceled"):
        flip(po, actor=ap.sue)
