"""Checkout transitions: reservations while pending, credit applied at the start, exactly-once allocation
when the gateway confirms, out-of-order endings, late money becoming credit, gateway refunds recorded once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import (
    AllocationExceedsBalance,
    Conflict,
    CurrencyMismatch,
    InvalidAmount,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.invoices.selectors import invoice_summary_status
from invoice_portal.invoices.services import credit_note_create
from invoice_portal.payments.checkout import (
    GatewayAmountMismatch,
    InvoiceNotPayable,
    available_credit,
    checkout_cancel,
    checkout_close,
    checkout_expire_stale,
    checkout_for,
    checkout_open,
    checkout_succeed,
    gateway_refund_record,
    payable_balances,
    payable_invoices,
    reserved_amounts,
)
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment, PaymentStatus
from invoice_portal.payments.selectors import company_position
from invoice_portal.testing import make_company, make_invoice, make_order, make_user, pay

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def personas(db):
    """As the suite's, on a test database that an earlier run's transactional tests may have flushed (``--reuse-db``)."""
    from invoice_portal.accounts.services import roles_ensure_builtin
    from invoice_portal.testing import make_personas

    roles_ensure_builtin()
    return make_personas()


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def open_checkout(actor, pairs, *, credit="0", minutes=60, minimum=None) -> Checkout:
    return checkout_open(
        actor=actor, invoices_amounts=pairs, gateway="test", return_url="/portal/pay/return/",
        expires_at=timezone.now() + dt.timedelta(minutes=minutes), apply_credit=credit, minimum_charge=minimum,
    )  # fmt: skip


def succeed(checkout: Checkout, *, reference: str = "", amount: Decimal | None = None):
    return checkout_succeed(
        actor="test webhook", checkout_id=checkout.pk, gateway="test", amount=checkout.amount if amount is None else amount,
        currency=checkout.currency, payment_reference=reference or f"tgpi_{checkout.pk}",
    )  # fmt: skip


# --- starting: what may be paid ------------------------------------------------------------------------------


def test_a_checkout_reserves_the_amounts_and_opens_a_pending_card_payment(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="250.00")
    checkout = open_checkout(personas.bob, [(a, "60.00"), (b.pk, "250.00")])
    assert (checkout.status, checkout.amount, checkout.currency, checkout.company) == ("pending", D("310.00"), "USD", personas.acme)
    assert checkout.payment is not None
    assert (checkout.payment.status, checkout.payment.method, checkout.payment.amount) == ("pending", "card", D("310.00"))
    assert checkout.payment.allocated_total == D("0")
    assert reserved_amounts([a.pk, b.pk]) == {a.pk: D("60.00"), b.pk: D("250.00")}
    assert payable_balances([fresh(a), fresh(b)]) == {a.pk: D("40.00"), b.pk: D("0")}
    assert fresh(a).status == Status.OPEN  # nothing is allocated before the gateway confirms
    assert AuditEvent.objects.filter(object_type="payments.checkout", object_id=str(checkout.pk), action="checkout.start").exists()


def test_a_second_checkout_for_the_same_invoices_cannot_exceed_what_the_first_left(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    open_checkout(personas.bob, [(a, "60.00")])
    with pytest.raises(AllocationExceedsBalance, match="being paid in another checkout"):
        open_checkout(personas.bob, [(a, "40.01")])
    second = open_checkout(personas.bob, [(a, "40.00")])  # what is left may still be paid
    assert second.amount == D("40.00")
    with pytest.raises(AllocationExceedsBalance):
        open_checkout(personas.carol, [(a, "0.01")])  # another user of the company, another tab: same rule


def test_a_double_click_with_the_whole_balance_opens_one_checkout_only(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    open_checkout(personas.bob, {a.pk: "100.00"})
    with pytest.raises(AllocationExceedsBalance):
        open_checkout(personas.bob, {a.pk: "100.00"})
    assert Checkout.objects.count() == 1
    assert Payment.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize("end", ["failed", "canceled", "expired"])
def test_a_checkout_that_ends_without_money_releases_its_reservation(personas, end):
    a = make_invoice(company=personas.acme, amount="100.00")
    first = open_checkout(personas.bob, [(a, "100.00")])
    checkout_close(actor=None, checkout_id=first.pk, status=end)
    first.refresh_from_db()
    assert first.status == end
    assert Payment.objects.get(checkout__pk=first.pk).status == ("failed" if end == "failed" else "canceled")
    assert reserved_amounts([a.pk]) == {}
    assert open_checkout(personas.bob, [(a, "100.00")]).amount == D("100.00")


def test_an_expired_checkout_stops_reserving_even_before_anyone_marks_it(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    stale = open_checkout(personas.bob, [(a, "100.00")])
    Checkout.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert reserved_amounts([a.pk]) == {}
    open_checkout(personas.bob, [(a, "100.00")])
    assert checkout_expire_stale() == 1
    stale.refresh_from_db()
    assert stale.status == CheckoutStatus.EXPIRED
    assert Payment.objects.get(checkout__pk=stale.pk).status == PaymentStatus.CANCELED
    assert checkout_expire_stale() == 0


def test_a_buyer_cannot_pay_an_invoice_outside_what_they_may_see(personas):
    acme_invoice = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(NotFound, match=f"Invoice {acme_invoice.pk} was not found"):
        open_checkout(personas.charlie, [(acme_invoice, "10.00")])
    with pytest.raises(NotFound):
        open_checkout(personas.walt, [(acme_invoice, "10.00")])  # a subsidiary does not see its parent's invoices
    with pytest.raises(NotFound, match="Invoice 999999 was not found"):
        open_checkout(personas.bob, [(999999, "10.00")])  # a missing invoice reads the same as another company's
    assert not Checkout.objects.exists()
    assert not payable_invoices(personas.charlie).exists()


def test_a_buyer_pays_only_the_invoices_of_their_own_orders_and_carol_pays_the_subsidiarys(personas):
    own_order = make_order(company=personas.acme, placed_by=personas.alice)
    alices = make_invoice(company=personas.acme, amount="50.00", order=own_order)
    bobs = make_invoice(company=personas.acme, amount="70.00")
    west = make_invoice(company=personas.acme_west, amount="30.00")
    assert open_checkout(personas.alice, [(alices, "50.00")]).amount == D("50.00")
    with pytest.raises(NotFound):
        open_checkout(personas.alice, [(bobs, "70.00")])
    carol = open_checkout(personas.carol, [(west, "30.00"), (bobs, "70.00")])
    assert carol.company == personas.acme
    assert set(payable_invoices(personas.carol).values_list("pk", flat=True)) >= {west.pk, bobs.pk}


def test_seller_staff_and_users_without_the_pay_permission_cannot_open_a_checkout(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(PermissionDenied):
        open_checkout(personas.finance, [(a, "10.00")])
    supplier = make_user(role="supplier_user", company=personas.acme)
    with pytest.raises(PermissionDenied):
        open_checkout(supplier, [(a, "10.00")])


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("0", InvalidAmount),
        ("0.00", InvalidAmount),
        ("-5.00", InvalidAmount),
        ("0.001", InvalidAmount),  # below the currency's minor unit
        ("10.005", InvalidAmount),
        ("abc", InvalidAmount),
        (10.5, InvalidAmount),  # floats are refused
        ("100.01", AllocationExceedsBalance),
    ],
)
def test_each_amount_is_above_zero_in_minor_units_and_within_the_balance(personas, amount, error):
    a = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(error):
        open_checkout(personas.bob, [(a, amount)])
    assert not Checkout.objects.exists()


def test_a_zero_decimal_currency_takes_whole_units_only(personas):
    yen = make_company(name="Tokyo KK", currency="JPY", parent=personas.acme)
    invoice = make_invoice(company=yen, amount="5000", currency="JPY")
    with pytest.raises(InvalidAmount):
        open_checkout(personas.carol, [(invoice, "0.5")])
    assert open_checkout(personas.carol, [(invoice, "1")]).amount == D("1")


def test_bad_selections_are_refused_with_a_clear_error(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    paid = make_invoice(company=personas.acme, amount="10.00", status="paid")
    euro = make_invoice(company=personas.acme, amount="10.00", currency="EUR")
    with pytest.raises(ValidationFailed, match="at least one"):
        open_checkout(personas.bob, [])
    with pytest.raises(ValidationFailed, match="listed twice"):
        open_checkout(personas.bob, [(a, "1.00"), (a.pk, "2.00")])
    with pytest.raises(ValidationFailed):
        open_checkout(personas.bob, "not a list")
    with pytest.raises(InvoiceNotPayable):
        open_checkout(personas.bob, [(paid, "1.00")])
    with pytest.raises(CurrencyMismatch):
        open_checkout(personas.bob, [(a, "1.00"), (euro, "1.00")])
    with pytest.raises(InvalidAmount, match="gateway charges at least"):
        open_checkout(personas.bob, [(a, "0.20")], minimum=lambda currency: D("0.50"))
    assert not Checkout.objects.exists()


# --- credit on account --------------------------------------------------------------------------------------


def test_credit_on_account_is_applied_at_the_start_and_the_gateway_charges_the_rest(personas):
    old = make_invoice(company=personas.acme, amount="20.00")
    overpaid = pay(company=personas.acme, invoices=[(old, "20.00")], amount="50.00")  # 30 left on account
    source = make_invoice(company=personas.acme, amount="15.00")
    note = credit_note_create(actor=personas.finance, invoice=source)  # applies 15 to its invoice at once …
    assert note.status == Status.PAID
    spare = credit_note_create(actor=personas.finance, invoice=make_invoice(company=personas.acme, amount="10.00", status="paid"))
    assert fresh(spare).balance == D("10.00")  # … this one stays on account
    assert available_credit(company_id=personas.acme.pk, currency="USD") == D("40.00")
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    checkout = open_checkout(personas.bob, [(a, "100.00"), (b, "50.00")], credit="35.00")
    assert (checkout.amount, checkout.credit_applied) == (D("115.00"), D("35.00"))
    lines = {line.invoice_id: (line.amount, line.credit) for line in checkout.lines.all()}
    assert lines == {a.pk: (D("65.00"), D("35.00")), b.pk: (D("50.00"), D("0"))}
    assert fresh(a).balance == D("65.00")
    overpaid.refresh_from_db()
    assert overpaid.unallocated == D("0")  # the oldest credit first: the payment, then the credit note
    assert fresh(spare).balance == D("5.00")
    assert available_credit(company_id=personas.acme.pk, currency="USD") == D("5.00")
    succeed(checkout)
    assert [fresh(a).status, fresh(b).status] == [Status.PAID, Status.PAID]
    assert check_books() == []


def test_credit_that_covers_everything_pays_without_the_gateway(personas):
    a = make_invoice(company=personas.acme, amount="30.00")
    pay(company=personas.acme, invoices=[], amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "30.00")], credit="30.00")
    assert (checkout.status, checkout.amount, checkout.payment) == (CheckoutStatus.SUCCEEDED, D("0"), None)
    assert fresh(a).status == Status.PAID
    assert check_books() == []


def test_more_credit_than_the_account_holds_or_than_is_being_paid_is_refused(personas):
    a = make_invoice(company=personas.acme, amount="30.00")
    pay(company=personas.acme, invoices=[], amount="10.00")
    with pytest.raises(InvalidAmount, match=r"has 10\.00 USD of credit"):
        open_checkout(personas.bob, [(a, "30.00")], credit="10.01")
    with pytest.raises(InvalidAmount, match=r"more than the 5\.00 USD being paid"):
        open_checkout(personas.bob, [(a, "5.00")], credit="6.00")
    with pytest.raises(InvalidAmount):
        open_checkout(personas.bob, [(a, "5.00")], credit="-1")
    assert company_position(personas.acme.pk, "USD").unallocated_payments == D("10.00")
    assert not Checkout.objects.exists()


# --- the gateway confirms ------------------------------------------------------------------------------------


def test_sixty_percent_of_one_invoice_and_all_of_another_read_partially_paid_and_paid(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="250.00")
    checkout = open_checkout(personas.bob, [(a, "60.00"), (b, "250.00")])
    outcome = succeed(checkout, reference="tgpi_abc")
    assert outcome.changed
    assert outcome.allocated == {a.pk: D("60.00"), b.pk: D("250.00")}
    assert [fresh(a).status, fresh(b).status] == [Status.PARTIALLY_PAID, Status.PAID]
    # Table 5 summarizes lines: a's one line is not paid yet (New) while the document is partially paid.
    assert [invoice_summary_status(fresh(a)), invoice_summary_status(fresh(b))] == ["New", "Paid"]
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert (payment.status, payment.allocated_total, payment.gateway, payment.gateway_reference) == (
        "succeeded",
        D("310.00"),
        "test",
        "tgpi_abc",
    )
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.SUCCEEDED
    assert reserved_amounts([a.pk, b.pk]) == {}
    assert check_books() == []


def test_a_repeated_success_allocates_nothing_more(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "60.00")])
    assert succeed(checkout).changed
    again = succeed(checkout)
    assert not again.changed
    assert fresh(a).allocated_total == D("60.00")
    assert Payment.objects.filter(company=personas.acme).count() == 1
    assert check_books() == []


def test_a_cancel_after_the_success_changes_nothing(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "100.00")])
    succeed(checkout)
    assert not checkout_close(actor=None, checkout_id=checkout.pk, status="canceled").changed
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.SUCCEEDED
    assert fresh(a).status == Status.PAID


def test_money_arriving_after_a_cancel_is_recorded_and_allocated_as_far_as_balances_allow(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    first = open_checkout(personas.bob, [(a, "100.00")])
    checkout_cancel(actor=personas.bob, checkout_id=first.pk)
    second = open_checkout(personas.bob, [(a, "70.00")])
    succeed(second)
    late = succeed(first)  # the buyer paid the abandoned tab anyway
    assert late.changed
    assert late.allocated == {a.pk: D("30.00")}
    assert late.credit_left == D("70.00")
    payment = Payment.objects.get(checkout__pk=first.pk)
    assert (payment.status, payment.unallocated) == ("succeeded", D("70.00"))
    assert fresh(a).status == Status.PAID
    assert company_position(personas.acme.pk, "USD").unallocated_payments == D("70.00")
    assert AuditEvent.objects.filter(object_type="payments.payment", object_id=str(payment.pk), action="payment.late_capture").exists()
    assert check_books() == []


def test_a_late_success_after_the_invoice_was_paid_offline_becomes_credit_on_account(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="40.00")
    checkout = open_checkout(personas.bob, [(a, "100.00"), (b, "40.00")])
    pay(company=personas.acme, invoices=[(a, "100.00")], reference="Check #1001")  # Finance records a check meanwhile
    outcome = succeed(checkout)
    assert outcome.allocated == {b.pk: D("40.00")}
    assert outcome.credit_left == D("100.00")
    assert fresh(a).allocated_total == D("100.00")  # never beyond its total
    assert company_position(personas.acme.pk, "USD").unallocated_payments == D("100.00")
    assert {line.invoice_id: line.allocated for line in checkout.lines.all()} == {a.pk: D("0"), b.pk: D("40.00")}
    assert check_books() == []


def test_money_for_an_invoice_canceled_meanwhile_stays_on_account(personas):
    from invoice_portal.invoices.services import invoice_cancel

    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "100.00")])
    invoice_cancel(actor=personas.finance, invoice=fresh(a))
    outcome = succeed(checkout)
    assert (outcome.allocated, outcome.credit_left) == ({}, D("100.00"))
    assert check_books() == []


def test_an_amount_other_than_the_checkouts_is_refused(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "100.00")])
    with pytest.raises(GatewayAmountMismatch):
        succeed(checkout, amount=D("99.00"))
    with pytest.raises(Conflict):
        checkout_succeed(actor=None, checkout_id=checkout.pk, gateway="stripe", amount=D("100.00"), currency="USD")
    with pytest.raises(NotFound):
        checkout_succeed(actor=None, checkout_id=999999, gateway="test", amount=D("1.00"), currency="USD")
    assert fresh(a).allocated_total == D("0")


def test_one_gateway_payment_cannot_settle_two_checkouts(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    first = open_checkout(personas.bob, [(a, "50.00")])
    second = open_checkout(personas.bob, [(a, "50.00")])
    succeed(first, reference="tgpi_same")
    with pytest.raises(Conflict, match="already recorded"):
        succeed(second, reference="tgpi_same")


# --- the return page's read ----------------------------------------------------------------------------------


def test_a_checkout_is_visible_to_the_buyer_who_started_it_and_to_seller_staff_only(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "10.00")])
    assert checkout_for(actor=personas.bob, checkout_id=str(checkout.pk)) == checkout
    assert checkout_for(actor=personas.finance, checkout_id=checkout.pk) == checkout
    for outsider in (personas.charlie, personas.alice, personas.walt):
        with pytest.raises(NotFound):
            checkout_for(actor=outsider, checkout_id=checkout.pk)
        with pytest.raises(NotFound):
            checkout_cancel(actor=outsider, checkout_id=checkout.pk)
    with pytest.raises(NotFound):
        checkout_for(actor=personas.bob, checkout_id="abc")


# --- refunds reported by the gateway --------------------------------------------------------------------------


def test_a_gateway_refund_is_recorded_once_whoever_reports_it_first(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    checkout = open_checkout(personas.bob, [(a, "100.00")])
    succeed(checkout)
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert gateway_refund_record(actor="test webhook", payment=payment, amount="30.00", refund_reference="tgre_1")
    assert not gateway_refund_record(actor=personas.finance, payment=payment, amount="30.00", refund_reference="tgre_1")
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.status) == (D("30.00"), PaymentStatus.PARTIALLY_REFUNDED)
    assert fresh(a).balance == D("30.00")  # the refund released part of the allocation: the invoice reopens
    with pytest.raises(ValidationFailed):
        gateway_refund_record(actor=None, payment=payment, amount="1.00", refund_reference="")
    assert check_books() == []
