"""Bad input to payments, allocations and refunds gets a typed domain error with a clear message, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from invoice_portal.core.errors import (
    AllocationExceedsBalance,
    AllocationExceedsPayment,
    AllocationNotAllowed,
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    InvalidTransition,
    RefundExceedsPayment,
    ValidationFailed,
)
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import credit_note_create
from invoice_portal.payments.services import (
    credit_note_apply,
    payment_allocate,
    payment_record,
    payment_refund,
    payment_resolve_pending,
    payment_reverse,
)
from invoice_portal.testing import line, make_company, make_invoice, pay, refused

pytestmark = pytest.mark.django_db

BAD_AMOUNTS = [
    pytest.param("-10.00", InvalidAmount, "must not be negative", id="negative"),
    pytest.param("10.001", InvalidAmount, "more than 2 decimal places", id="over-precise"),
    pytest.param("NaN", InvalidAmount, "not a finite number", id="nan"),
    pytest.param("sNaN", InvalidAmount, "not a finite number", id="signalling-nan"),
    pytest.param("Infinity", InvalidAmount, "not a finite number", id="infinity"),
    pytest.param("-Infinity", InvalidAmount, "not a finite number", id="minus-infinity"),
    pytest.param(Decimal("NaN"), InvalidAmount, "not a finite number", id="decimal-nan"),
    pytest.param(10.5, InvalidAmount, "not floating point", id="float"),
    pytest.param(float("nan"), InvalidAmount, "not floating point", id="float-nan"),
    pytest.param(float("inf"), InvalidAmount, "not floating point", id="float-infinity"),
    pytest.param(True, InvalidAmount, "not floating point", id="bool"),
    pytest.param("ten", InvalidAmount, "is not a number", id="text"),
    pytest.param("", InvalidAmount, "is not a number", id="empty"),
    pytest.param(None, InvalidAmount, "is not a number", id="none"),
    pytest.param("1e20", InvalidAmount, "scientific notation", id="scientific"),
    pytest.param("100000000000000000000", InvalidAmount, "too large", id="too-large"),
    pytest.param("1,5", InvalidAmount, "ambiguous", id="ambiguous-grouping"),
    pytest.param("0", ValidationFailed, "above zero", id="zero"),
]


@pytest.fixture
def acme(personas):
    return personas.acme


# --- amounts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "error", "message"), BAD_AMOUNTS)
def test_a_bad_payment_amount_is_refused_and_nothing_is_written(acme, amount, error, message):
    invoice = make_invoice(company=acme)
    with refused(error, message):
        payment_record(actor=None, company=acme, amount=amount, currency="USD", method="check", allocations=[(invoice, "10.00")])


@pytest.mark.parametrize(("amount", "error", "message"), BAD_AMOUNTS)
def test_a_bad_allocation_amount_is_refused_and_nothing_is_written(acme, amount, error, message):
    invoice = make_invoice(company=acme)
    payment = pay(company=acme, invoices=[], amount="100.00")
    with refused(error, message):
        payment_allocate(actor=None, payment=payment, allocations=[(invoice, amount)])


@pytest.mark.parametrize(("amount", "error", "message"), BAD_AMOUNTS)
def test_a_bad_refund_amount_is_refused_and_nothing_is_written(acme, amount, error, message):
    payment = pay(company=acme, invoices=[], amount="100.00")
    with refused(error, message):
        payment_refund(actor=None, payment=payment, amount=amount)


def test_a_payment_above_the_installation_maximum_is_refused_and_nothing_is_written(acme):
    with refused(InvalidAmount, r"\$1,000,000,000.00 is above this installation's maximum of \$999,999,999.99"):
        payment_record(actor=None, company=acme, amount="1,000,000,000.00", currency="USD", method="wire")
    assert payment_record(actor=None, company=acme, amount="999,999,999.99", currency="USD", method="wire").amount == Decimal(
        "999999999.99"
    )


def test_an_amount_with_more_decimals_than_the_currency_allows_is_refused_for_yen(acme):
    invoice = make_invoice(company=acme, currency="JPY", amount="1000")
    with refused(InvalidAmount, "more than 0 decimal places"):
        payment_record(actor=None, company=acme, amount="100.5", currency="JPY", method="cash", allocations=[(invoice, "100.5")])


def test_trailing_zeros_within_the_currency_digits_are_not_over_precise(acme):
    invoice = make_invoice(company=acme)
    payment = payment_record(actor=None, company=acme, amount="10.0000", currency="USD", method="cash", allocations=[(invoice, "10.000")])
    assert payment.amount == Decimal("10.00")
    assert Invoice.objects.get(pk=invoice.pk).allocated_total == Decimal("10.00")


def test_an_unknown_currency_or_method_is_refused(acme):
    with refused(InvalidCurrency, "not an ISO 4217"):
        payment_record(actor=None, company=acme, amount="10.00", currency="usd", method="cash")
    with refused(ValidationFailed, "method: must be one of"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="bitcoin")


def test_a_reference_longer_than_a_check_memo_is_refused(acme):
    with refused(ValidationFailed, "reference: at most 200"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", reference="x" * 201)


# --- allocations -------------------------------------------------------------------------------------------------


def test_a_payment_in_another_currency_than_the_invoice_is_refused(acme):
    invoice = make_invoice(company=acme)
    with refused(CurrencyMismatch, "is in USD, the money is in EUR"):
        payment_record(actor=None, company=acme, amount="10.00", currency="EUR", method="wire", allocations=[(invoice, "10.00")])
    euros = pay(company=acme, invoices=[], amount="10.00", currency="EUR")
    with refused(CurrencyMismatch, "is in USD, the money is in EUR"):
        payment_allocate(actor=None, payment=euros, allocations=[(invoice, "10.00")])


def test_a_credit_note_in_another_currency_than_the_invoice_cannot_be_applied(acme):
    invoice = make_invoice(company=acme)
    euro_invoice = make_invoice(company=acme, currency="EUR")
    credit = credit_note_create(actor=None, invoice=euro_invoice, amount="10.00", apply=False)
    with refused(CurrencyMismatch, "is in USD, the money is in EUR"):
        credit_note_apply(actor=None, credit_note=credit, allocations=[(invoice, "10.00")])


@pytest.mark.parametrize("status", ["draft", "canceled"])
def test_nothing_can_be_allocated_to_a_draft_or_canceled_invoice(acme, status):
    invoice = make_invoice(company=acme, status=status)
    with refused(AllocationNotAllowed, f"is {status}; nothing can be allocated"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", allocations=[(invoice, "10.00")])
    payment = pay(company=acme, invoices=[], amount="10.00")
    with refused(AllocationNotAllowed, f"is {status}; nothing can be allocated"):
        payment_allocate(actor=None, payment=payment, allocations=[(invoice, "10.00")])
    credit = credit_note_create(actor=None, company=acme, lines=[line(unit_price="10.00")])
    with refused(AllocationNotAllowed, f"is {status}; nothing can be allocated"):
        credit_note_apply(actor=None, credit_note=credit, allocations=[(invoice, "10.00")])


def test_a_draft_credit_note_cannot_be_applied(acme):
    invoice = make_invoice(company=acme)
    draft_credit = credit_note_create(actor=None, company=acme, lines=[line(unit_price="10.00")], issue=False)
    with refused(AllocationNotAllowed, "issue it before applying it"):
        credit_note_apply(actor=None, credit_note=draft_credit, allocations=[(invoice, "10.00")])


def test_an_invoice_cannot_take_more_than_its_balance(acme):
    invoice = make_invoice(company=acme, status="partially_paid")
    with refused(AllocationExceedsBalance, "50.01 is more than the 50.00 USD still due"):
        payment_record(actor=None, company=acme, amount="60.00", currency="USD", method="check", allocations=[(invoice, "50.01")])


def test_repeating_an_invoice_in_one_payment_counts_both_parts_against_its_balance(acme):
    invoice = make_invoice(company=acme)
    with refused(AllocationExceedsBalance, "100.01 is more than the 100.00"):
        payment_record(
            actor=None, company=acme, amount="200.00", currency="USD", method="check",
            allocations=[(invoice, "60.00"), {"invoice": invoice.pk, "amount": "40.01"}],
        )  # fmt: skip


def test_a_payment_cannot_allocate_more_than_its_amount(acme):
    first, second = make_invoice(company=acme), make_invoice(company=acme)
    with refused(AllocationExceedsPayment, "add up to 150.00, more than the payment of 100.00"):
        payment_record(
            actor=None, company=acme, amount="100.00", currency="USD", method="check", allocations=[(first, "75.00"), (second, "75.00")]
        )
    payment = pay(company=acme, invoices=[(first, "60.00")], amount="100.00")
    with refused(AllocationExceedsPayment, "has 40.00 USD left to allocate, not 40.01"):
        payment_allocate(actor=None, payment=payment, allocations=[(second, "40.01")])


def test_a_credit_note_cannot_apply_more_than_it_has_left(acme):
    invoice = make_invoice(company=acme)
    credit = credit_note_create(actor=None, company=acme, lines=[line(unit_price="30.00")])
    with refused(AllocationExceedsPayment, "has 30.00 USD left to apply, not 30.01"):
        credit_note_apply(actor=None, credit_note=credit, allocations=[(invoice, "30.01")])


def test_another_companys_invoice_cannot_take_an_allocation(personas):
    theirs = make_invoice(company=personas.globex)
    with refused(AllocationNotAllowed, "does not exist for ACME Corp"):
        payment_record(actor=None, company=personas.acme, amount="10.00", currency="USD", method="check", allocations=[(theirs, "10.00")])


def test_a_subsidiarys_payment_cannot_settle_its_parents_invoices(personas):
    parents = make_invoice(company=personas.acme)
    with refused(AllocationNotAllowed, "does not exist for ACME West"):
        payment_record(
            actor=None, company=personas.acme_west, amount="10.00", currency="USD", method="check", allocations=[(parents, "10.00")]
        )


def test_a_missing_invoice_cannot_take_an_allocation(acme):
    with refused(AllocationNotAllowed, "Invoice 999999 does not exist"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", allocations=[(999999, "10.00")])


def test_a_credit_note_or_a_received_invoice_cannot_take_an_allocation(acme):
    credit = credit_note_create(actor=None, company=acme, lines=[line(unit_price="30.00")])
    with refused(AllocationNotAllowed, "not something the customer owes"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", allocations=[(credit, "10.00")])
    received = make_invoice(company=make_company(is_supplier=True), status="draft", direction="received")
    with refused(AllocationNotAllowed, "does not exist for|not something the customer owes"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", allocations=[(received, "10.00")])


@pytest.mark.parametrize(
    "allocation",
    [
        pytest.param(("not-an-id", "10.00"), id="not-an-id"),
        pytest.param(("١", "10.00"), id="non-ascii-digit"),
        pytest.param((None, "10.00"), id="no-invoice"),
        pytest.param({"amount": "10.00"}, id="dict-without-invoice"),
        pytest.param(("1",), id="one-element"),
        pytest.param(("1", "10.00", "extra"), id="three-elements"),
        pytest.param("1:10.00", id="a-string"),
        pytest.param(42, id="a-number"),
        pytest.param((True, "10.00"), id="a-boolean"),
    ],
)
def test_a_malformed_allocation_is_refused(acme, allocation):
    make_invoice(company=acme)
    with refused(ValidationFailed, r"allocations\[0\]"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", allocations=[allocation])


@pytest.mark.parametrize("allocations", [None, "1:10.00", {"invoice": 1, "amount": "10.00"}, 7])
def test_allocations_that_are_not_a_list_of_pairs_are_refused(acme, allocations):
    with refused(ValidationFailed, "a list of"):
        payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="check", allocations=allocations)


def test_a_pending_payment_cannot_be_allocated_before_it_succeeds(acme):
    invoice = make_invoice(company=acme)
    with refused(ValidationFailed, "allocated when it succeeds"):
        payment_record(
            actor=None, company=acme, amount="10.00", currency="USD", method="card", status="pending", allocations=[(invoice, "10.00")]
        )
    pending = payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="card", status="pending")
    with refused(AllocationNotAllowed, "is pending; it has nothing to allocate"):
        payment_allocate(actor=None, payment=pending, allocations=[(invoice, "10.00")])
    with refused(InvalidTransition, "is pending; it cannot be refunded"):
        payment_refund(actor=None, payment=pending, amount="1.00")


def test_a_failed_gateway_payment_allocates_nothing(acme):
    invoice = make_invoice(company=acme)
    pending = payment_record(actor=None, company=acme, amount="10.00", currency="USD", method="card", status="pending")
    failed = payment_resolve_pending(actor=None, payment=pending, status="failed", allocations=[(invoice, "10.00")])
    assert failed.allocated_total == 0
    with refused(InvalidTransition, "not pending"):
        payment_resolve_pending(actor=None, payment=failed, status="succeeded")


# --- refunds and reversals ------------------------------------------------------------------------------------------


def test_a_refund_beyond_the_payment_is_refused_and_nothing_is_written(acme):
    invoice = make_invoice(company=acme)
    payment = pay(company=acme, invoices=[(invoice, "60.00")], amount="100.00")
    with refused(RefundExceedsPayment, "has 100.00 USD left to refund, not 100.01"):
        payment_refund(actor=None, payment=payment, amount="100.01")
    payment_refund(actor=None, payment=payment, amount="30.00")
    with refused(RefundExceedsPayment, "has 70.00 USD left to refund, not 70.01"):
        payment_refund(actor=None, payment=payment, amount="70.01")


@pytest.mark.parametrize("action", ["refund", "reverse"])
def test_a_reversed_payment_cannot_be_refunded_or_reversed_again(acme, action):
    payment = pay(company=acme, invoices=[(make_invoice(company=acme), "100.00")])
    payment_reverse(actor=None, payment=payment)
    calls: dict[str, Callable[[], object]] = {
        "refund": lambda: payment_refund(actor=None, payment=payment, amount="1.00"),
        "reverse": lambda: payment_reverse(actor=None, payment=payment),
    }
    with refused(InvalidTransition, "is reversed"):
        calls[action]()


def test_a_fully_refunded_payment_cannot_be_refunded_again(acme):
    payment = pay(company=acme, invoices=[], amount="10.00")
    payment_refund(actor=None, payment=payment, amount="10.00")
    with refused(InvalidTransition, "is refunded"):
        payment_refund(actor=None, payment=payment, amount="0.01")
