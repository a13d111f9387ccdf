"""Checkouts under real concurrency (PostgreSQL row locks): no double reservation, no over-allocation,
one allocation per gateway payment however many deliveries race."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from invoice_portal.core.errors import AllocationExceedsBalance
from invoice_portal.integrations.testgateway import signing
from invoice_portal.integrations.tests.factories import SECRET, event_body, fresh, session_of, start
from invoice_portal.integrations.webhooks import webhook_receive
from invoice_portal.invoices.books import check_books
from invoice_portal.payments.checkout import checkout_close
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment
from invoice_portal.testing import at_once, make_invoice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal


def opened(buyer: Any, pairs: Any) -> int:
    return start(buyer, pairs).checkout.pk


def deliver(body: bytes) -> Callable[[], str]:
    def call() -> str:
        headers = {signing.HEADER: signing.sign(body, SECRET)}
        return webhook_receive(gateway="test", body=body, headers=headers).outcome

    return call


def test_two_checkouts_for_the_same_invoices_confirmed_at_once_never_over_allocate(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    checkouts: list[Checkout] = []
    for _ in range(4):  # each buyer tab is abandoned before the next opens, then all of them get paid at once
        if checkouts:
            checkout_close(actor=None, checkout_id=checkouts[-1].pk, status=CheckoutStatus.CANCELED)
        checkouts.append(start(personas.bob, [(a, "100.00"), (b, "50.00")]).checkout)
    bodies = [event_body("checkout.completed", session_of(c)) for c in checkouts]
    outcomes = at_once([deliver(body) for body in bodies])
    assert outcomes == ["processed"] * 4, outcomes
    assert [fresh(a).allocated_total, fresh(b).allocated_total] == [D("100.00"), D("50.00")]
    payments = Payment.objects.filter(pk__in=[c.payment_id for c in checkouts])
    assert sum(p.allocated_total for p in payments) == D("150.00")
    assert sum(p.unallocated for p in payments) == D("450.00")  # the rest is credit on account
    assert all(c.status == CheckoutStatus.SUCCEEDED for c in Checkout.objects.all())
    assert check_books() == []


def test_simultaneous_checkouts_for_the_whole_balance_reserve_it_once(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    buyers = [personas.bob, personas.carol, personas.bob, personas.carol]
    results = at_once([partial(opened, buyer, [(b, "50.00"), (a, "100.00")]) for buyer in buyers])
    started = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, AllocationExceedsBalance)]
    assert (len(started), len(refused)) == (1, 3), results
    assert Checkout.objects.filter(status=CheckoutStatus.PENDING).count() == 1


def test_the_same_success_delivered_four_times_at_once_allocates_once(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = start(personas.bob, [(a, "60.00")]).checkout
    body = event_body("checkout.completed", session_of(checkout))
    outcomes = Counter(at_once([deliver(body)] * 4))
    assert outcomes == {"processed": 1, "duplicate": 3}
    assert fresh(a).allocated_total == D("60.00")
    assert check_books() == []


def test_both_success_events_of_one_payment_racing_allocate_once(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = start(personas.bob, [(a, "100.00")]).checkout
    session = session_of(checkout)
    outcomes = Counter(at_once([deliver(event_body("checkout.completed", session)), deliver(event_body("payment.succeeded", session))]))
    assert outcomes == {"processed": 1, "no_change": 1}
    assert fresh(a).allocated_total == D("100.00")
    assert Payment.objects.get(checkout__pk=checkout.pk).allocated_total == D("100.00")
    assert check_books() == []


def test_a_cancel_racing_the_success_leaves_the_money_allocated(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = start(personas.bob, [(a, "100.00")]).checkout
    session = session_of(checkout)
    at_once([deliver(event_body("checkout.canceled", session)), deliver(event_body("checkout.completed", session))])
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.SUCCEEDED
    assert fresh(a).allocated_total == D("100.00")
    assert check_books() == []
