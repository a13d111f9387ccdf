"""Several workers against one PostgreSQL: no email is sent twice and no task runs twice.

The production queue (django-tasks-db) hands each task to one worker (``SELECT … FOR UPDATE SKIP
LOCKED`` then a claim, in one transaction), and ``message_deliver`` claims its message by a
conditional update, so even a task delivered twice sends once. Both are exercised here with real
concurrent connections.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest
from django.core import mail
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.invoices.services import invoice_issue
from invoice_portal.notifications.models import Message, MessageStatus
from invoice_portal.notifications.services import message_deliver
from invoice_portal.testing import at_once, make_invoice, make_personas

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKERS = 3
DOCUMENTS = 12


def _worker(n: int) -> int:
    worker = Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
        worker_id=f"test-worker-{n}", excluded_queue_names=[],
    )  # fmt: skip
    worker.run()
    return worker._run_tasks


def test_three_workers_drain_the_queue_each_task_run_once_each_email_sent_once() -> None:
    roles_ensure_builtin()
    p = make_personas()
    p.acme.email = "ap@acme.test"
    p.acme.save()
    drafts = [make_invoice(company=p.acme, status="draft") for _ in range(DOCUMENTS)]
    mail.outbox = []
    with override_settings(TASKS=DATABASE_QUEUE):
        issued = [invoice_issue(actor=p.finance, invoice=d) for d in drafts]
        # The delivery tasks were written with their messages, in the issuing transactions.
        messages = list(Message.objects.filter(invoice__in=issued))
        assert len(messages) == DOCUMENTS
        assert all(m.status == MessageStatus.QUEUED for m in messages)
        tasks = DBTaskResult.objects.count()
        assert tasks >= DOCUMENTS
        ran = at_once([partial(_worker, n) for n in range(WORKERS)])
    assert all(isinstance(r, int) for r in ran), ran
    assert sum(ran) == tasks  # every task ran, none twice
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    assert all(len(r.worker_ids) == 1 for r in DBTaskResult.objects.all())
    sent = Counter((*m.to, m.subject) for m in mail.outbox)
    assert len(mail.outbox) == DOCUMENTS
    assert set(sent.values()) == {1}
    assert set(Message.objects.filter(invoice__in=issued).values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}


def test_one_message_delivered_by_four_workers_at_once_is_sent_once() -> None:
    roles_ensure_builtin()
    p = make_personas()
    p.acme.email = "ap@acme.test"
    p.acme.save()
    with override_settings(TASKS=DATABASE_QUEUE):
        invoice = make_invoice(company=p.acme)
    message = Message.objects.get(invoice=invoice)
    mail.outbox = []
    results = at_once([lambda: message_deliver(message_id=message.pk) for _ in range(4)])
    assert results.count(MessageStatus.SENT) >= 1, results
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
