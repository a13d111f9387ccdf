"""Property: any sequence of checkouts opened, paid, abandoned and offline payments keeps the books."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoice_portal.core.errors import DomainError
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.checkout import checkout_close, checkout_succeed, payable_balances, reserved_amounts
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment
from invoice_portal.payments.tests.test_checkout import open_checkout
from invoice_portal.testing import make_invoice, make_personas, pay

pytestmark = pytest.mark.django_db

STEP = st.tuples(st.sampled_from(["open", "open_both", "succeed", "cancel", "offline"]), st.integers(0, 5), st.integers(1, 100))


def share(amount: Decimal, percent: int) -> Decimal:
    return max(Decimal("0.01"), (amount * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=10))
def test_checkouts_in_any_order_never_promise_or_allocate_beyond_a_balance(db, steps):
    from invoice_portal.accounts.services import roles_ensure_builtin

    with transaction.atomic():
        roles_ensure_builtin()
        people = make_personas()
        invoices = [make_invoice(company=people.acme, amount=amount) for amount in ("100.00", "37.45")]
        opened: list[Checkout] = []
        for action, pick, percent in steps:
            current = [Invoice.objects.get(pk=inv.pk) for inv in invoices]
            payable = payable_balances(current)
            target = current[pick % 2]
            try:
                if action in ("open", "open_both"):
                    chosen = current if action == "open_both" else [target]
                    pairs = [(inv, share(payable[inv.pk], percent)) for inv in chosen if payable[inv.pk] > 0]
                    opened.append(open_checkout(people.bob, pairs))
                    reserved = reserved_amounts(inv.pk for inv, _ in pairs)
                    for inv, _ in pairs:  # the promise never exceeds what is due
                        assert reserved[inv.pk] <= Invoice.objects.get(pk=inv.pk).balance
                elif action == "succeed" and opened:
                    checkout = opened[pick % len(opened)]
                    checkout_succeed(actor=None, checkout_id=checkout.pk, gateway="test", amount=checkout.amount, currency="USD")
                elif action == "cancel" and opened:
                    checkout_close(actor=None, checkout_id=opened[pick % len(opened)].pk, status=CheckoutStatus.CANCELED)
                elif action == "offline" and target.balance > 0:
                    pay(company=people.acme, invoices=[(target, share(target.balance, percent))])
            except DomainError:
                pass  # refused inputs change nothing; the invariants below still hold
            for inv in invoices:
                fresh = Invoice.objects.get(pk=inv.pk)
                assert Decimal(0) <= fresh.allocated_total <= fresh.total
        assert check_books() == []
        for payment in Payment.objects.filter(status="succeeded"):
            assert payment.allocated_total <= payment.amount
        transaction.set_rollback(True)
