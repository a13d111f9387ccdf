"""With the database task queue, a business transaction writes one follow-up task row, and running it
stamps the transaction's events and sends its email (``core.followups``)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.core.followups import followups_run
from invoice_portal.events.models import Event
from invoice_portal.invoices.services import invoice_issue
from invoice_portal.notifications.models import Message, MessageStatus
from invoice_portal.notifications.services import messages_deliver_new
from invoice_portal.testing import make_invoice, make_personas, pay

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FOLLOWUPS = "invoice_portal.core.tasks.followups_task"


@pytest.mark.django_db(transaction=True)  # each service call its own transaction, as in production
def test_issue_and_payment_each_write_one_task_that_stamps_their_events_and_sends_their_emails() -> None:
    roles_ensure_builtin()
    p = make_personas()
    p.acme.email = "ap@acme.test"
    p.acme.save()
    draft = make_invoice(company=p.acme, status="draft")
    mail.outbox = []
    with override_settings(TASKS=DATABASE_QUEUE):
        tasks = DBTaskResult.objects.count()
        invoice = invoice_issue(actor=p.finance, invoice=draft)
        assert list(DBTaskResult.objects.values_list("task_path", flat=True)[tasks:]) == [FOLLOWUPS]
        pay(company=p.acme, invoices=[(invoice, invoice.total)])
        assert list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", flat=True)[tasks:]) == [FOLLOWUPS] * 2
        assert Event.objects.filter(position__isnull=True).exists()
        assert set(Message.objects.filter(company=p.acme).values_list("kind", "status")) == {
            ("invoice", MessageStatus.QUEUED),
            ("payment_receipt", MessageStatus.QUEUED),
        }
        with transaction.atomic():
            pay(company=p.acme, invoices=[], amount="7.00")  # two transitions in one transaction: one task
            pay(company=p.acme, invoices=[], amount="5.00")
        assert DBTaskResult.objects.filter(task_path=FOLLOWUPS).count() == 3
        followups_run()
    assert not Event.objects.filter(position__isnull=True).exists()
    assert set(Message.objects.filter(company=p.acme).values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}
    sent = len(mail.outbox)
    assert sent == Message.objects.filter(company=p.acme).count() >= 2
    followups_run()  # another transaction's task finds the work done
    assert len(mail.outbox) == sent


def test_new_messages_only_a_message_being_retried_waits_for_its_own_task() -> None:
    roles_ensure_builtin()
    p = make_personas()
    p.acme.email = "ap@acme.test"
    p.acme.save()
    with override_settings(TASKS=DATABASE_QUEUE):
        first, second = make_invoice(company=p.acme), make_invoice(company=p.acme)
    Message.objects.filter(invoice=first).update(attempts=1)  # its first attempt failed: its delayed task retries it
    mail.outbox = []
    assert messages_deliver_new(batch=1) == 1
    assert Message.objects.get(invoice=first).status == MessageStatus.QUEUED
    assert Message.objects.get(invoice=second).status == MessageStatus.SENT
    assert len(mail.outbox) == 1
