"""Emails: written in the caller's transaction, delivered after commit, each one logged with its outcome."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.test import Client

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, InvalidTransition, ValidationFailed
from invoice_portal.core.models import PortalSettings
from invoice_portal.invoices.models import DisputeStatus
from invoice_portal.invoices.services import dispute_open, dispute_reject, dispute_resolve_by_credit, invoice_issue
from invoice_portal.notifications.models import Message, MessageKind, MessageStatus, NotificationSettings
from invoice_portal.notifications.services import (
    invitation_send,
    invoice_send,
    message_deliver,
    message_retry,
    messages_sweep,
    notification_settings_update,
)
from invoice_portal.payments.models import PaymentStatus
from invoice_portal.payments.services import payment_record, payment_resolve_pending
from invoice_portal.testing import Personas, make_invoice, make_order, make_user, pay

pytestmark = pytest.mark.django_db


def _billing(company: Company, email: str) -> None:
    Company.objects.filter(pk=company.pk).update(email=email)
    company.refresh_from_db()


def test_an_issued_invoice_is_emailed_after_commit_with_its_pdf(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    _billing(personas.acme, "ap@acme.test")
    order = make_order(company=personas.acme, placed_by=personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(company=personas.acme, amount="250.00", order=order, po_number="PO-77")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ap@acme.test", "alice@acme.test"]  # the billing address and whoever placed the order
    assert sent.subject == f"Invoice {invoice.number} from Demo Supplies Ltd."
    assert "PO-77" in sent.body
    assert "$250.00" in sent.body
    assert f"/portal/invoices/{invoice.pk}/" in sent.body
    [(filename, content, mimetype)] = sent.attachments
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    message = Message.objects.get(invoice=invoice)
    assert (message.kind, message.status, message.attempts) == (MessageKind.INVOICE, MessageStatus.SENT, 1)
    assert message.sent_at is not None


def test_nothing_is_sent_when_the_transaction_rolls_back(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    draft = make_invoice(company=personas.acme, status="draft")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        invoice_issue(actor=None, invoice=draft)
        raise RuntimeError("the request failed after issuing")
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_a_customer_without_an_address_gets_its_company_admins_and_accounts_payable(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(company=personas.acme)
    assert mail.outbox[0].to == ["bob@acme.test", "carol@acme.test"]  # not alice, a buyer who placed no order here


def test_a_customer_nobody_can_be_mailed_at_is_logged_as_failed_and_nothing_is_sent(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    lonely = Company.objects.create(name="No Mail Inc", external_id="NOMAIL")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(company=lonely)
    message = Message.objects.get(invoice=invoice)
    assert message.status == MessageStatus.FAILED
    assert "No email address" in message.last_error
    assert mail.outbox == []
    with pytest.raises(Conflict, match="nobody to send to"):
        message_retry(actor=personas.finance, message=message)


def test_email_on_issue_can_be_switched_off(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    notification_settings_update(actor=personas.admin, email_on_issue=False, payment_receipts=True, reminder_offsets="1")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(company=personas.acme)
    assert mail.outbox == []
    assert not Message.objects.filter(invoice=invoice).exists()
    with django_capture_on_commit_callbacks(execute=True):
        invoice_send(actor=personas.sales, invoice=invoice)  # sending by hand still works
    assert len(mail.outbox) == 1
    assert Message.objects.get(invoice=invoice).created_by == personas.sales


def test_drafts_and_canceled_documents_are_not_sent(personas: Personas) -> None:
    for status in ("draft", "canceled"):
        invoice = make_invoice(company=personas.acme, status=status)
        with pytest.raises(InvalidTransition, match="only issued documents are sent"):
            invoice_send(actor=personas.sales, invoice=invoice)


def test_a_failing_mail_server_is_retried_then_the_message_is_marked_failed(
    personas: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: EmailMessage, *args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("mail server refused the connection")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(company=personas.acme)
    message = Message.objects.get(invoice=invoice)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert "refused the connection" in message.last_error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        message_retry(actor=personas.finance, message=message)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_delivering_a_message_twice_sends_it_once(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)  # no commit in this test: the message waits in the outbox
    message = Message.objects.get(invoice=invoice)
    assert message.status == MessageStatus.QUEUED
    assert message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_hands_lost_messages_to_the_worker_again(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    invoice = make_invoice(company=personas.acme)
    message = Message.objects.get(invoice=invoice)
    assert messages_sweep() == 0  # too fresh: its task may still be on the way
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=message.created_at)  # a worker died mid-send
    assert messages_sweep(now=message.created_at + dt.timedelta(minutes=10)) == 0  # a slow send is not taken from its worker
    assert messages_sweep(now=message.created_at + dt.timedelta(minutes=20)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_payment_receipts_list_what_was_paid_and_what_became_credit(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    _billing(personas.acme, "ap@acme.test")
    invoice = make_invoice(company=personas.acme, amount="100.00")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(company=personas.acme, invoices=[(invoice, "100.00")], amount="120.00", reference="CHK-42")
    [receipt] = mail.outbox
    assert receipt.subject == "Payment received, thank you — $120.00"
    assert str(invoice.number) in str(receipt.body)
    assert "CHK-42" in receipt.body
    assert "$20.00 is kept as credit" in receipt.body


def test_a_receipt_states_the_balance_its_payment_left_when_another_payment_came_between(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receipt is written before the invoices are locked; a payment settled in between is seen under the lock."""
    from invoice_portal.payments import services as payment_services

    _billing(personas.acme, "ap@acme.test")
    invoice = make_invoice(company=personas.acme, amount="100.00")
    lock_rows = payment_services.lock_rows

    def another_payment_first(model: Any, pks: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(payment_services, "lock_rows", lock_rows)
        pay(company=personas.acme, invoices=[(invoice, "30.00")], amount="30.00", reference="FIRST")
        return lock_rows(model, pks, **kwargs)

    monkeypatch.setattr(payment_services, "lock_rows", another_payment_first)
    payment = pay(company=personas.acme, invoices=[(invoice, "20.00")], amount="20.00", reference="SECOND")
    receipt = Message.objects.get(payment=payment, kind=MessageKind.PAYMENT_RECEIPT)
    assert "(balance now $50.00)" in receipt.body
    first = Message.objects.get(payment__reference="FIRST", kind=MessageKind.PAYMENT_RECEIPT)
    assert "(balance now $70.00)" in first.body


def test_a_pending_gateway_payment_gets_its_receipt_when_it_succeeds(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    invoice = make_invoice(company=personas.acme, amount="80.00")
    Message.objects.all().delete()
    payment = payment_record(actor=None, company=personas.acme, amount="80.00", currency="USD", method="card", status=PaymentStatus.PENDING)
    assert not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        payment_resolve_pending(actor=None, payment=payment, status=PaymentStatus.SUCCEEDED, allocations=[(invoice, "80.00")])
    assert Message.objects.get().kind == MessageKind.PAYMENT_RECEIPT
    assert str(invoice.number) in str(mail.outbox[0].body)


def test_receipts_can_be_switched_off(personas: Personas) -> None:
    NotificationSettings.objects.update_or_create(pk=1, defaults={"payment_receipts": False})
    pay(company=personas.acme, invoices=[], amount="10.00")
    assert not Message.objects.filter(kind=MessageKind.PAYMENT_RECEIPT).exists()


def test_dispute_events_reach_the_seller_and_then_the_buyer(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    invoice = make_invoice(company=personas.acme, lines=2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute = dispute_open(actor=personas.alice, line=invoice.lines.order_by("line_no")[0], reason="price", text="We agreed 90")
    [opened] = mail.outbox
    assert opened.to == ["admin@demo.test", "finance@demo.test"]  # staff who may resolve disputes
    assert "We agreed 90" in opened.body
    assert "ACME Corp disputes line 1" in opened.subject
    PortalSettings.objects.update_or_create(pk=1, defaults={"seller_email": "ar@demo.test"})
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve_by_credit(actor=personas.finance, dispute=dispute, comment="Sorry, corrected")
    closed = mail.outbox[-1]
    assert closed.to == ["bob@acme.test", "carol@acme.test", "alice@acme.test"]
    assert "resolved by credit note" in closed.subject
    assert "credit note CN-" in closed.body
    assert "Sorry, corrected" in closed.body
    other = dispute_open(actor=personas.alice, line=invoice.lines.order_by("line_no")[1], reason="quantity", text="Only 1")
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reject(actor=personas.finance, dispute=other, comment="Delivery note shows 2")
    assert other.status == DisputeStatus.REJECTED
    assert Message.objects.get(kind=MessageKind.DISPUTE_OPENED, invoice=invoice, created_at__gte=other.created_at).to == ["ar@demo.test"]
    assert "Delivery note shows 2" in mail.outbox[-1].body


def test_an_invitation_link_lets_the_new_user_choose_a_password_and_sign_in(
    personas: Personas, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    newcomer = make_user(email="nina@acme.test", role="buyer", company=personas.acme)
    newcomer.set_unusable_password()
    newcomer.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(actor=personas.carol, user=newcomer)
    [invitation] = mail.outbox
    assert invitation.to == ["nina@acme.test"]
    assert "carol@acme.test has invited you" in invitation.body
    link = re.search(r"http://127\.0\.0\.1:8000(/password/reset/\S+/)", str(invitation.body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a-long-new-secret-42", "new_password2": "a-long-new-secret-42"})
    assert done.status_code == 302
    assert client.login(username="nina@acme.test", password="a-long-new-secret-42")


def test_an_invitation_for_a_deactivated_user_is_refused(personas: Personas) -> None:
    personas.walt.is_active = False
    with pytest.raises(InvalidTransition, match="reactivate"):
        invitation_send(actor=personas.carol, user=personas.walt)
    assert not Message.objects.filter(kind=MessageKind.INVITATION).exists()


@pytest.mark.parametrize(
    ("text", "error"),
    [("-3, tomorrow", "'tomorrow' is not a whole number"), ("400", "more than a year"), (",".join(map(str, range(13))), "at most 12")],
)
def test_a_bad_reminder_schedule_is_refused_and_changes_nothing(personas: Personas, text: str, error: str) -> None:
    with pytest.raises(ValidationFailed, match=error):
        notification_settings_update(actor=personas.admin, email_on_issue=True, payment_receipts=True, reminder_offsets=text)
    assert NotificationSettings.objects.get_or_create(pk=1)[0].reminder_offsets == [-3, 1, 7, 14]


def test_a_schedule_is_stored_sorted_without_repeats(personas: Personas) -> None:
    saved = notification_settings_update(actor=personas.admin, email_on_issue=True, payment_receipts=True, reminder_offsets=" 7; -3, 7, 0 ")
    assert saved.reminder_offsets == [-3, 0, 7]


def test_documents_and_payments_that_arrive_by_import_are_not_emailed(personas: Personas) -> None:
    from invoice_portal.audit.context import origin

    with origin("import", "batch:7"):
        invoice = make_invoice(company=personas.acme)
        pay(company=personas.acme, invoices=[(invoice, "100.00")])
    assert not Message.objects.exists()
    invoice_send(actor=personas.sales, invoice=invoice)  # Sales delivers it through the portal when wanted
    assert Message.objects.get().kind == MessageKind.INVOICE
