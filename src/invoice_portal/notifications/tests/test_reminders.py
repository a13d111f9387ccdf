"""The reminder schedule: each step once per invoice, never for disputed, held or settled invoices."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from invoice_portal.core.errors import InvalidTransition, ValidationFailed
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import dispute_open, dispute_reject, invoice_hold, invoice_release_hold
from invoice_portal.notifications.models import Message, MessageKind
from invoice_portal.notifications.services import invoice_remind, notification_settings_update, reminders_run
from invoice_portal.testing import Personas, at_once, make_invoice

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 11, 10)


def _invoice(p: Personas, *, status: str = "open", due: dt.date = DUE) -> Invoice:
    return make_invoice(company=p.acme, status=status, issue_date=due - dt.timedelta(days=30))


def _reminded(invoice: Invoice) -> list[int | None]:
    return list(Message.objects.filter(invoice=invoice, kind=MessageKind.REMINDER).order_by("pk").values_list("reminder_offset", flat=True))


@pytest.fixture
def schedule(personas: Personas) -> None:
    notification_settings_update(actor=personas.admin, email_on_issue=False, payment_receipts=False, reminder_offsets="-3, 1, 7")


def test_each_step_goes_out_once_on_its_day(personas: Personas, schedule: None) -> None:
    invoice = _invoice(personas)
    assert reminders_run(today=DUE - dt.timedelta(days=4)).sent == []
    assert reminders_run(today=DUE - dt.timedelta(days=3)).sent == [invoice.pk]
    assert reminders_run(today=DUE - dt.timedelta(days=2)).sent == []  # the same step is not repeated
    assert reminders_run(today=DUE + dt.timedelta(days=1)).sent == [invoice.pk]
    assert reminders_run(today=DUE + dt.timedelta(days=1)).sent == []
    assert reminders_run(today=DUE + dt.timedelta(days=7)).sent == [invoice.pk]
    assert _reminded(invoice) == [-3, 1, 7]
    message = Message.objects.filter(invoice=invoice).first()
    assert message is not None
    assert message.subject == f"Reminder: invoice {invoice.number} is 7 days overdue"


def test_a_late_run_sends_only_the_latest_step_and_never_an_earlier_one_after_it(personas: Personas, schedule: None) -> None:
    invoice = _invoice(personas)
    assert reminders_run(today=DUE + dt.timedelta(days=8)).sent == [invoice.pk]  # -3 and 1 were missed: only 7 goes out
    assert reminders_run(today=DUE + dt.timedelta(days=9)).sent == []
    assert _reminded(invoice) == [7]


def test_a_step_missed_by_more_than_a_week_is_skipped(personas: Personas, schedule: None) -> None:
    invoice = _invoice(personas)
    assert reminders_run(today=DUE + dt.timedelta(days=30)).sent == []
    assert _reminded(invoice) == []


def test_settled_disputed_and_held_invoices_get_no_reminders(personas: Personas, schedule: None) -> None:
    paid = _invoice(personas, status="paid")
    canceled = _invoice(personas, status="canceled")
    disputed = _invoice(personas)
    held = _invoice(personas)
    partly = _invoice(personas, status="partially_paid")
    dispute = dispute_open(actor=personas.alice, line=disputed.lines.order_by("line_no")[0], reason="price", text="Too much")
    invoice_hold(actor=personas.finance, invoice=held, reason="Negotiating a payment plan")
    assert reminders_run(today=DUE + dt.timedelta(days=1)).sent == [partly.pk]
    for invoice in (paid, canceled, disputed, held):
        assert _reminded(invoice) == []
    # The dispute is resolved and the hold released: the schedule applies again from its next step.
    dispute_reject(actor=personas.finance, dispute=dispute, comment="The price is as quoted")
    invoice_release_hold(actor=personas.finance, invoice=held)
    assert reminders_run(today=DUE + dt.timedelta(days=2)).sent == [disputed.pk, held.pk]


def test_a_reminder_by_hand_is_refused_for_a_disputed_held_or_paid_invoice(personas: Personas, schedule: None) -> None:
    disputed, held, paid = _invoice(personas), _invoice(personas), _invoice(personas, status="paid")
    dispute_open(actor=personas.alice, line=disputed.lines.order_by("line_no")[0], reason="price", text="Too much")
    invoice_hold(actor=personas.finance, invoice=held, reason="Waiting for the customer's budget")
    for invoice, error in ((disputed, "open dispute"), (held, "is on hold"), (paid, "only unpaid invoices")):
        with pytest.raises(InvalidTransition, match=error):
            invoice_remind(actor=personas.sales, invoice=invoice)
    assert not Message.objects.filter(kind=MessageKind.REMINDER).exists()
    open_ = _invoice(personas)
    invoice_remind(actor=personas.sales, invoice=open_)
    invoice_remind(actor=personas.sales, invoice=open_)  # by hand, as often as Sales decides
    assert _reminded(open_) == [None, None]


def test_a_hold_needs_a_reason_and_an_unpaid_invoice(personas: Personas) -> None:
    with pytest.raises(ValidationFailed, match="say why"):
        invoice_hold(actor=personas.finance, invoice=_invoice(personas), reason="  ")
    with pytest.raises(InvalidTransition, match="only unpaid invoices"):
        invoice_hold(actor=personas.finance, invoice=_invoice(personas, status="paid"), reason="x")
    with pytest.raises(InvalidTransition, match="not on hold"):
        invoice_release_hold(actor=personas.finance, invoice=_invoice(personas))


def test_the_command_runs_the_schedule_and_reports(personas: Personas, schedule: None) -> None:
    invoice = _invoice(personas)
    out = StringIO()
    call_command("send_reminders", "--date", (DUE + dt.timedelta(days=1)).isoformat(), stdout=out)
    assert out.getvalue().startswith("1 reminders queued")
    assert _reminded(invoice) == [1]
    message = Message.objects.get(invoice=invoice, kind=MessageKind.REMINDER)
    assert "is 1 day overdue" in message.subject
    assert str(invoice.number) in message.body
    assert mail.outbox == []  # delivery happens after commit, in the worker


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_runs_at_the_same_time_remind_each_invoice_once(personas: Personas) -> None:
    notification_settings_update(actor=personas.admin, email_on_issue=False, payment_receipts=False, reminder_offsets="1")
    invoices = [_invoice(personas) for _ in range(5)]

    def run() -> Any:
        try:
            return reminders_run(today=DUE + dt.timedelta(days=1))
        finally:
            connection.close()

    runs = at_once([run] * 4)
    assert sum(len(r.sent) for r in runs) == 5
    for invoice in invoices:
        assert _reminded(invoice) == [1]
    assert len(mail.outbox) == 5


@pytest.mark.parametrize("offsets", ["١٢", "-٣, 1", "1, 7²"])
def test_reminder_offsets_are_ascii_digits_only(personas: Personas, offsets: str) -> None:
    with pytest.raises(ValidationFailed, match="not a whole number of days"):
        notification_settings_update(actor=personas.admin, email_on_issue=False, payment_receipts=False, reminder_offsets=offsets)
