"""Matching against the database and the AP lifecycle after it: hold, buyer review, delegated approval, rejection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus, Status
from invoice_portal.payables.matching import Reason
from invoice_portal.payables.models import ApprovalStep, ApproverLimit, MatchLine, PayablesSettings, SupplierTolerance
from invoice_portal.payables.services import received_invoice_cancel
from invoice_portal.payables.services.approval import (
    approval_queue,
    received_invoice_approve,
    received_invoice_buyer_accept,
    received_invoice_correct,
    received_invoice_reject,
    received_invoice_send_to_buyer,
)
from invoice_portal.payables.testing import ApPersonas, flip, make_held, make_po, receive_all
from invoice_portal.testing import make_user, refused

pytestmark = pytest.mark.django_db


def _settings(**fields: object) -> None:
    PayablesSettings.objects.update_or_create(pk=1, defaults=fields)


def _held(ap: ApPersonas) -> Invoice:
    return make_held(ap)


def test_match_results_are_stored_per_line_with_the_numbers(ap: ApPersonas) -> None:
    invoice = _held(ap)
    rows = list(MatchLine.objects.filter(invoice=invoice).order_by("pk"))
    assert [(r.line_no, r.reason, r.passed) for r in rows] == [
        (1, Reason.PRICE, False), (2, Reason.MATCHED, True), (None, Reason.TOTAL, False),
    ]  # fmt: skip
    assert (rows[0].expected, rows[0].actual, rows[0].tolerance) == (Decimal("5"), Decimal("5.6"), Decimal("0"))
    assert "line 1: price 5.6, ordered at 5" in invoice.ap_reason


def test_organization_tolerance_accepts_and_supplier_override_wins(ap: ApPersonas) -> None:
    _settings(price_tolerance_percent=Decimal("15"))
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    assert flip(po, actor=ap.sue, prices=["5.60", "100.00"]).ap_status == ReceivedStatus.ACCEPTED
    SupplierTolerance.objects.create(supplier=ap.northwind, price_tolerance_percent=Decimal("5"))
    po2 = make_po(supplier=ap.northwind)
    receive_all(po2)
    assert flip(po2, actor=ap.sue, prices=["5.60", "100.00"]).ap_status == ReceivedStatus.ON_HOLD
    # Initech has no override: the organization's 15 % applies.
    po3 = make_po(supplier=ap.initech)
    receive_all(po3)
    assert flip(po3, actor=ap.ivan, prices=["5.60", "100.00"]).ap_status == ReceivedStatus.ACCEPTED


def test_matching_uses_gross_even_with_a_discount(ap: ApPersonas) -> None:
    _settings(discounts_enabled=True)
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, discount="25.00")
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    total = MatchLine.objects.get(invoice=invoice, line_no=None)
    assert (total.expected, total.actual) == (Decimal("250"), Decimal("250"))


def test_a_receipt_rematches_the_invoices_waiting_on_the_po(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    invoice = flip(po, actor=ap.sue)
    assert invoice.ap_status == ReceivedStatus.PENDING_RECEIVING
    assert MatchLine.objects.filter(invoice=invoice, reason=Reason.NOT_RECEIVED).count() == 2
    receive_all(po, actor=ap.clerk)
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    assert not MatchLine.objects.filter(invoice=invoice, passed=False).exists()


def test_auto_accept_limit_routes_a_matched_invoice_to_the_approver_whose_limit_covers_it(ap: ApPersonas) -> None:
    _settings(auto_accept_limit=Decimal("100"))
    big = make_user(email="cfo@demo.test", role="approver")
    ApproverLimit.objects.create(user=big, currency="USD", limit=Decimal("100000"))
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("1000"))
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.sue)
    assert invoice.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL
    step = ApprovalStep.objects.get(invoice=invoice, decision="pending")
    assert step.assignee == ap.approver  # the smallest limit that covers the total
    assert [s.invoice for s in approval_queue(ap.approver)] == [invoice]
    assert list(approval_queue(big)) == []


def test_matched_without_an_approver_who_covers_it_goes_on_hold(ap: ApPersonas) -> None:
    _settings(auto_accept_limit=Decimal("100"))
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.sue)
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    assert "no approver's limit covers" in invoice.ap_reason


def test_hold_to_buyer_to_approver_to_accepted(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.requester, currency="USD", limit=Decimal("100"))
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"))
    invoice = _held(ap)
    with refused(PermissionDenied, "may not send invoices to the buyer"):
        received_invoice_send_to_buyer(actor=ap.approver, invoice=invoice)
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice, comment="Price went up?")
    assert invoice.ap_status == ReceivedStatus.PENDING_ORDER_ACCEPTANCE
    with refused(PermissionDenied, "waits for req@demo.test"):
        received_invoice_buyer_accept(actor=ap.clerk, invoice=invoice, comment="ok")
    with refused(ValidationFailed, "comment"):
        received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment=" ")
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="Agreed new price")
    assert invoice.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL  # total 256.00 + tax is above the requester's 100
    with refused(PermissionDenied, "may not approve"):
        received_invoice_approve(actor=ap.requester, invoice=invoice)
    invoice = received_invoice_approve(actor=ap.approver, invoice=invoice, comment="Fine")
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    actions = list(AuditEvent.objects.filter(object_id=str(invoice.pk)).order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["received_invoice.send_to_buyer", "received_invoice.buyer_accept", "received_invoice.approve"]
    assert check_books() == []


def test_buyer_within_own_limit_accepts_directly(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.requester, currency="USD", limit=Decimal("100000"))
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=_held(ap))
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="Yes")
    assert invoice.ap_status == ReceivedStatus.ACCEPTED


def test_buyer_without_limit_and_no_covering_approver_is_refused(ap: ApPersonas) -> None:
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=_held(ap))
    with refused(Conflict, "No approver's limit covers"):
        received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="Yes")
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.PENDING_ORDER_ACCEPTANCE


def test_a_delegate_approves_within_the_period_only(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"))
    colleague = make_user(email="colleague@demo.test", role="approver")
    today = timezone.localdate()
    row = ApproverLimit.objects.get(user=ap.approver)
    row.delegate, row.delegate_from, row.delegate_until = colleague, today + dt.timedelta(days=1), today + dt.timedelta(days=5)
    row.save()
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=_held(ap))
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok")
    with refused(PermissionDenied, "waits for approver@demo.test"):
        received_invoice_approve(actor=colleague, invoice=invoice)
    row.delegate_from = today
    row.save()
    assert [s.invoice for s in approval_queue(colleague)] == [invoice]
    assert received_invoice_approve(actor=colleague, invoice=invoice).ap_status == ReceivedStatus.ACCEPTED


@pytest.mark.parametrize("stage", ["hold", "buyer", "approval"])
def test_rejection_is_final_with_the_comment_for_the_supplier(ap: ApPersonas, stage: str) -> None:
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"))
    invoice = _held(ap)
    actor = ap.clerk
    if stage in ("buyer", "approval"):
        invoice, actor = received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice), ap.requester
    if stage == "approval":
        invoice, actor = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok"), ap.approver
    invoice = received_invoice_reject(actor=actor, invoice=invoice, comment="We never agreed that price")
    assert (invoice.ap_status, invoice.ap_reason, invoice.status) == (
        ReceivedStatus.REJECTED, "We never agreed that price", Status.CANCELED,
    )  # fmt: skip
    for attempt in (
        lambda: received_invoice_correct(actor=ap.clerk, invoice=invoice),
        lambda: received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice),
        lambda: received_invoice_cancel(actor=ap.sue, invoice=invoice),
    ):
        with refused(InvalidTransition, "nothing can change it"):
            attempt()
    assert check_books() == []


def test_the_database_refuses_to_change_a_rejected_invoice(ap: ApPersonas) -> None:
    invoice = received_invoice_reject(actor=ap.clerk, invoice=_held(ap), comment="No")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(ap_status=ReceivedStatus.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(ap_reason="changed")
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.REJECTED


def test_ap_corrects_a_keying_error_and_rematches(ap: ApPersonas) -> None:
    invoice = _held(ap)
    lines = [
        {"description": ln.description, "quantity": ln.quantity, "unit_price": "5.00" if ln.line_no == 1 else ln.unit_price,
         "order_line_id": ln.order_line_id, "tax_category": ln.tax_category, "tax_rate": ln.tax_rate}
        for ln in invoice.lines.order_by("line_no")
    ]  # fmt: skip
    invoice = received_invoice_correct(actor=ap.clerk, invoice=invoice, lines=lines)
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    assert invoice.version == 2
    assert check_books() == []


def test_cancel_before_approval_closes_the_pending_step(ap: ApPersonas) -> None:
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=_held(ap))
    invoice = received_invoice_cancel(actor=ap.sue, invoice=invoice)
    assert invoice.ap_status == ReceivedStatus.CANCELED
    assert ApprovalStep.objects.get(invoice=invoice).decision == "canceled"
    assert list(approval_queue(ap.requester)) == []
