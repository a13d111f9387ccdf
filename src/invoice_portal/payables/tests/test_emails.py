"""AP emails: each goes once, to the next person in the chain (or the supplier on rejection), never to another company."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.notifications.models import Message, MessageKind
from invoice_portal.payables.models import ApproverLimit
from invoice_portal.payables.services.approval import (
    received_invoice_approve,
    received_invoice_buyer_accept,
    received_invoice_correct,
    received_invoice_reject,
    received_invoice_send_to_buyer,
)
from invoice_portal.payables.services.retrofit import retrofit_invoice_create, retrofit_order_reject
from invoice_portal.payables.testing import ApPersonas, flip, make_held, make_po, receive_all
from invoice_portal.testing import make_company, make_user

pytestmark = pytest.mark.django_db

AP_KINDS = (MessageKind.AP_REVIEW, MessageKind.AP_APPROVAL, MessageKind.AP_REJECTED)


def _sent(invoice: Invoice) -> list[tuple[str, list[str]]]:
    return [(m.kind, m.to) for m in Message.objects.filter(invoice=invoice, kind__in=AP_KINDS).order_by("pk")]


def _held(ap: ApPersonas) -> Invoice:
    return make_held(ap)


@pytest.fixture
def outsiders(ap: ApPersonas) -> list[str]:
    """People who must never get these emails: a buyer company's admin, another supplier's user, staff without AP roles."""
    customer = make_company(name="Acme Buyer")
    return [
        make_user(email="buyer-admin@acme.test", role="company_admin", company=customer).email,
        ap.ivan.email,
        make_user(email="sales2@demo.test", role="sales").email,
    ]


def _addresses() -> set[str]:
    return {a for m in Message.objects.filter(kind__in=AP_KINDS) for a in m.to}


def test_held_invoice_emails_the_reviewers_once_and_the_chain_follows(ap: ApPersonas, outsiders: list[str]) -> None:
    ApproverLimit.objects.create(user=ap.requester, currency="USD", limit=Decimal("100"))
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"))
    second_clerk = make_user(email="ap2@demo.test", role="ap_clerk")
    invoice = _held(ap)
    assert _sent(invoice) == [(MessageKind.AP_REVIEW, sorted([ap.clerk.email, second_clerk.email]))]
    # Matched again and still on hold: nobody is emailed a second time.
    invoice = received_invoice_correct(actor=ap.clerk, invoice=invoice)
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    assert len(_sent(invoice)) == 1

    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice, comment="Price went up?")
    assert _sent(invoice)[1:] == [(MessageKind.AP_REVIEW, [ap.requester.email])]
    review = Message.objects.filter(invoice=invoice).order_by("-pk").first()
    assert review is not None
    assert "Price went up?" in review.body
    assert review.recipient_user == ap.requester

    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="Agreed")
    assert invoice.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL
    assert _sent(invoice)[2:] == [(MessageKind.AP_APPROVAL, [ap.approver.email])]

    received_invoice_approve(actor=ap.approver, invoice=invoice)
    assert len(_sent(invoice)) == 3  # accepted: nobody else needs to act
    assert not _addresses() & set(outsiders)
    assert ap.sue.email not in _addresses()


def test_the_approval_email_goes_to_the_delegate_while_the_delegation_covers_today(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.requester, currency="USD", limit=Decimal("100"))
    colleague = make_user(email="colleague@demo.test", role="approver")
    today = timezone.localdate()
    ApproverLimit.objects.create(
        user=ap.approver, currency="USD", limit=Decimal("10000"), delegate=colleague, delegate_from=today,
        delegate_until=today + dt.timedelta(days=3),
    )  # fmt: skip
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=_held(ap))
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok")
    message = Message.objects.get(invoice=invoice, kind=MessageKind.AP_APPROVAL)
    assert message.to == [colleague.email]
    assert "on behalf of approver@demo.test" in message.body


def test_a_delegation_in_the_future_leaves_the_email_with_the_approver(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.requester, currency="USD", limit=Decimal("100"))
    colleague = make_user(email="colleague@demo.test", role="approver")
    later = timezone.localdate() + dt.timedelta(days=2)
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"), delegate=colleague, delegate_from=later,
                                 delegate_until=later)  # fmt: skip
    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=_held(ap))
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok")
    assert Message.objects.get(invoice=invoice, kind=MessageKind.AP_APPROVAL).to == [ap.approver.email]


def test_rejection_emails_the_supplier_once_with_the_comment(
    ap: ApPersonas, outsiders: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    held = _held(ap)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invoice = received_invoice_reject(actor=ap.clerk, invoice=held, comment="We never agreed that price")
    rejected = Message.objects.get(invoice=invoice, kind=MessageKind.AP_REJECTED)
    # Northwind has no billing address: its users who see its invoices (Sue, Sam), and Sue submitted it.
    assert rejected.to == sorted([ap.sue.email, ap.sam.email])
    assert "We never agreed that price" in rejected.body
    assert rejected.company == ap.northwind
    assert not set(rejected.to) & set(outsiders)
    # Delivered by the worker after commit (the immediate backend in tests): exactly one email to the supplier.
    assert [(m.subject, sorted(m.to)) for m in mail.outbox] == [(f"Your invoice {invoice.number} is rejected", rejected.to)]


def test_rejection_uses_the_suppliers_billing_address_when_it_has_one(ap: ApPersonas) -> None:
    ap.northwind.email = "ar@northwind.test"
    ap.northwind.save(update_fields=["email"])
    invoice = received_invoice_reject(actor=ap.clerk, invoice=_held(ap), comment="Duplicate")
    assert Message.objects.get(invoice=invoice, kind=MessageKind.AP_REJECTED).to == ["ar@northwind.test", ap.sue.email]


def test_an_invoice_keyed_by_ap_rejected_goes_to_the_supplier_not_to_the_clerk(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk, prices=["5.60", "100.00"])
    invoice = received_invoice_reject(actor=ap.clerk, invoice=invoice, comment="Wrong price")
    assert Message.objects.get(invoice=invoice, kind=MessageKind.AP_REJECTED).to == sorted([ap.sue.email, ap.sam.email])


def test_a_rejected_retrofit_order_emails_the_supplier(ap: ApPersonas) -> None:
    invoice = retrofit_invoice_create(
        actor=ap.clerk, supplier=ap.northwind, requester=ap.requester, number="R-1",
        lines=[{"description": "Repair", "quantity": "1", "unit_price": "80.00"}],
    )  # fmt: skip
    assert invoice.order is not None
    retrofit_order_reject(actor=ap.requester, order=invoice.order, comment="No repair was ordered")
    rejected = Message.objects.get(invoice=invoice, kind=MessageKind.AP_REJECTED)
    assert "No repair was ordered" in rejected.body
    assert set(rejected.to) <= {ap.sue.email, ap.sam.email}


def test_a_rolled_back_transition_leaves_no_email(ap: ApPersonas) -> None:
    invoice = _held(ap)
    before = Message.objects.count()

    def reject_then_fail() -> None:
        with transaction.atomic():
            received_invoice_reject(actor=ap.clerk, invoice=invoice, comment="No")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        reject_then_fail()
    assert Message.objects.count() == before
