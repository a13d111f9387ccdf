"""The one rule of a promise to pay (``selectors.promise_status``) at its edges, and the seller's reads of promises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from invoice_portal.invoices.services import credit_note_create
from invoice_portal.payments.services import payment_reverse
from invoice_portal.remittances.models import PromiseToPay
from invoice_portal.remittances.selectors import promise_report, promise_status, promise_views
from invoice_portal.remittances.services import promise_to_pay_create
from invoice_portal.seller.selectors import promises_for_seller
from invoice_portal.testing import make_invoice, pay

pytestmark = pytest.mark.django_db

D = Decimal
DAY = dt.date(2026, 11, 20)
MADE = timezone.make_aware(dt.datetime(2026, 11, 10, 9, 0))


def _promise(amount: str = "100.00") -> PromiseToPay:
    return PromiseToPay(amount=D(amount), currency="USD", date=DAY, created_at=MADE)


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def test_paid_in_full_on_the_promised_day_is_kept() -> None:
    view = promise_status(_promise(), [(_at(DAY, 23), D("100.00"))], today=DAY + dt.timedelta(days=5))
    assert (view.status, view.paid) == ("kept", D("100.00"))


def test_paid_a_day_late_is_broken() -> None:
    view = promise_status(_promise(), [(_at(DAY + dt.timedelta(days=1), 0), D("100.00"))], today=DAY + dt.timedelta(days=5))
    assert (view.status, view.paid) == ("broken", D("0.00"))


def test_partly_paid_is_pending_until_the_day_and_broken_after_it() -> None:
    partly = [(_at(DAY - dt.timedelta(days=2)), D("60.00"))]
    assert promise_status(_promise(), partly, today=DAY).status == "pending"
    broken = promise_status(_promise(), partly, today=DAY + dt.timedelta(days=1))
    assert (broken.status, broken.paid) == ("broken", D("60.00"))


def test_several_payments_that_add_up_keep_it_and_money_before_the_promise_does_not_count() -> None:
    before = [(MADE - dt.timedelta(hours=1), D("100.00"))]
    assert promise_status(_promise(), before, today=DAY + dt.timedelta(days=1)).status == "broken"
    parts = [(_at(DAY - dt.timedelta(days=3)), D("40.00")), (_at(DAY), D("60.00"))]
    assert promise_status(_promise(), parts, today=DAY).status == "kept"


def test_a_credit_note_applied_by_the_day_counts_towards_the_promise(personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    promise = promise_to_pay_create(actor=personas.bob, invoice=invoice, date=timezone.localdate(), amount="100.00")
    credit_note_create(actor=personas.finance, invoice=invoice, amount="40.00", description="Damaged in transit")
    pay(company=personas.acme, invoices=[(invoice, "60.00")], amount="60.00")
    [view] = promise_views(invoice)
    assert view.promise == promise
    assert (view.status, view.paid) == ("kept", D("100.00"))


def test_a_bounced_check_no_longer_keeps_the_promise(personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    promise_to_pay_create(actor=personas.bob, invoice=invoice, date=timezone.localdate(), amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")], amount="100.00")
    assert promise_views(invoice)[0].status == "kept"
    payment_reverse(actor=personas.finance, payment=payment, reason="Check bounced")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert promise_views(invoice, today=tomorrow)[0].status == "broken"


def test_the_seller_lists_promises_by_due_and_status_and_tallies_them(personas) -> None:
    today = timezone.localdate()
    kept_on = make_invoice(company=personas.acme, amount="100.00")
    waiting = make_invoice(company=personas.acme, amount="50.00")
    later = make_invoice(company=personas.acme, amount="70.00")
    promise_to_pay_create(actor=personas.bob, invoice=kept_on, date=today, amount="100.00")
    promise_to_pay_create(actor=personas.bob, invoice=waiting, date=today, amount="50.00")
    promise_to_pay_create(actor=personas.bob, invoice=later, date=today + dt.timedelta(days=7), amount="70.00")
    pay(company=personas.acme, invoices=[(kept_on, "100.00")], amount="100.00")
    assert {v.promise.invoice_id for v in promises_for_seller(due="today")} == {kept_on.pk, waiting.pk}
    assert [v.promise.invoice_id for v in promises_for_seller(due="upcoming")] == [later.pk]
    assert [v.promise.invoice_id for v in promises_for_seller(status="kept")] == [kept_on.pk]
    # Tomorrow the unpaid promise of today is broken.
    views = promises_for_seller(today=today + dt.timedelta(days=1))
    tally = {t.status: (t.count, t.amounts) for t in promise_report(views)}
    assert tally == {"kept": (1, {"USD": D("100.00")}), "broken": (1, {"USD": D("50.00")}), "pending": (1, {"USD": D("70.00")})}
    assert promises_for_seller(company_id=personas.globex.pk) == []
