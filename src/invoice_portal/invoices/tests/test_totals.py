"""EN 16931 arithmetic: line nets rounded per line, VAT per category on the category base, document discount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisDjangoTestCase

from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.money import amount_limit, quantize
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.testing import line, make_company

D = Decimal


def li(quantity: str, unit_price: str, *, discount: str = "0", category: str = "S", rate: str = "20") -> LineInput:
    return LineInput(D(quantity), D(unit_price), D(discount), category, D(rate))


# --- worked examples ---------------------------------------------------------------------------------


def test_each_line_net_is_rounded_on_its_own_before_summing():
    totals = compute_totals([li("3", "0.3333", category="Z", rate="0"), li("1", "1.005", category="Z", rate="0")], currency="EUR")
    assert totals.line_nets == (D("1.00"), D("1.01"))
    assert totals.line_net_total == D("2.01")
    assert totals.total == D("2.01")


def test_half_a_cent_rounds_up():
    assert compute_totals([li("1", "0.125", category="Z", rate="0")], currency="USD").total == D("0.13")
    assert compute_totals([li("1", "0.124", category="Z", rate="0")], currency="USD").total == D("0.12")


def test_line_discount_is_subtracted_from_the_rounded_line_amount():
    totals = compute_totals([li("3", "3.3333", discount="1.50", rate="10")], currency="EUR")
    assert totals.line_nets == (D("8.50"),)
    assert totals.tax_total == D("0.85")
    assert totals.total == D("9.35")


def test_vat_is_computed_once_on_the_category_base_not_per_line():
    # Per line, 10 % of 0.05 rounds to 0.01 three times (0.03); on the base of 0.15 it is 0.015 → 0.02.
    totals = compute_totals([li("1", "0.05", rate="10")] * 3, currency="EUR")
    assert totals.tax_total == D("0.02")
    assert totals.total == D("0.17")
    (breakdown,) = totals.breakdown
    assert (breakdown.category, breakdown.base, breakdown.tax) == ("S", D("0.15"), D("0.02"))


def test_each_vat_category_and_rate_gets_its_own_base_and_tax():
    totals = compute_totals(
        [li("2", "19.99", rate="19"), li("1", "10.00", rate="7"), li("1", "5.55", rate="19"), li("4", "2.50", category="Z", rate="0")],
        currency="EUR",
    )
    bases = {(b.category, b.rate): (b.base, b.tax) for b in totals.breakdown}
    assert bases == {
        ("S", D("19")): (D("45.53"), D("8.65")),  # 45.53 × 19 % = 8.6507
        ("S", D("7")): (D("10.00"), D("0.70")),
        ("Z", D("0")): (D("10.00"), D("0.00")),
    }
    assert totals.tax_exclusive_total == D("65.53")
    assert totals.tax_total == D("9.35")
    assert totals.total == D("74.88")


def test_document_discount_reduces_the_base_of_its_own_vat_category_only():
    totals = compute_totals(
        [li("1", "100.00", rate="20"), li("1", "50.00", category="Z", rate="0")],
        currency="EUR",
        discount=D("10.00"),
        discount_tax_category="S",
        discount_tax_rate=D("20"),
    )
    bases = {(b.category, b.rate): (b.base, b.tax) for b in totals.breakdown}
    assert bases == {("S", D("20")): (D("90.00"), D("18.00")), ("Z", D("0")): (D("50.00"), D("0.00"))}
    assert totals.line_net_total == D("150.00")
    assert totals.allowance_total == D("10.00")
    assert totals.tax_exclusive_total == D("140.00")
    assert totals.total == D("158.00")


def test_currency_without_minor_units_rounds_to_whole_amounts():
    totals = compute_totals([li("3", "333.5", rate="10")], currency="JPY")
    assert totals.line_nets == (D("1001"),)  # 1000.5 rounds half up
    assert totals.tax_total == D("100")  # 100.1
    assert totals.total == D("1101")


@pytest.mark.django_db
def test_a_stored_invoice_carries_exactly_the_computed_totals():
    company = make_company(currency="EUR")
    invoice = invoice_create(
        actor=None,
        company=company,
        lines=[
            line(unit_price="100.00", tax_rate="20", tax_category="S"),
            line(description="Shipping", kind="cost", unit_price="50.00", tax_rate="0", tax_category="Z"),
        ],
        discount="10.00",
        discount_tax_category="S",
        discount_tax_rate="20",
    )
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.line_net_total, invoice.allowance_total, invoice.tax_exclusive_total) == (D("150"), D("10"), D("140"))
    assert (invoice.tax_total, invoice.total, invoice.balance) == (D("18"), D("158"), D("158"))
    assert [ln.net_amount for ln in invoice.lines.all()] == [D("100"), D("50")]


@pytest.mark.django_db
def test_a_document_discount_over_several_vat_rates_must_name_its_rate():
    company = make_company()
    lines = [line(unit_price="100.00", tax_rate="20", tax_category="S"), line(unit_price="50.00", tax_rate="10", tax_category="S")]
    with pytest.raises(ValidationFailed, match="say which category and rate"):
        invoice_create(actor=None, company=company, lines=lines, discount="5.00")
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_document_discount_larger_than_its_vat_category_base_is_refused():
    company = make_company()
    lines = [line(unit_price="10.00", tax_rate="20", tax_category="S"), line(unit_price="50.00", tax_rate="0", tax_category="Z")]
    with pytest.raises(ValidationFailed, match="larger than the lines taxed S"):
        invoice_create(actor=None, company=company, lines=lines, discount="20.00", discount_tax_category="S", discount_tax_rate="20")
    assert not Invoice.objects.exists()


# --- properties ----------------------------------------------------------------------------------------

CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KWD"])  # 2, 2, 0 and 3 minor digits
RATES = st.sampled_from([("S", D("20")), ("S", D("7.5")), ("S", D("19")), ("Z", D("0")), ("E", D("0"))])


@st.composite
def line_inputs(draw: st.DrawFn, currency: str) -> LineInput:
    quantity = draw(st.decimals(min_value=D("0.0001"), max_value=D("10000"), places=4))
    unit_price = draw(st.decimals(min_value=D("0"), max_value=D("100000"), places=4))
    gross = quantize(quantity * unit_price, currency)
    discount = quantize(draw(st.decimals(min_value=D("0"), max_value=gross, places=4)), currency) if gross else D(0)
    category, rate = draw(RATES)
    return LineInput(quantity, unit_price, min(discount, gross), category, rate)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[LineInput]]:
    currency = draw(CURRENCIES)
    return currency, draw(st.lists(line_inputs(currency), min_size=1, max_size=8))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@settings(max_examples=300)
@given(documents())
def test_totals_are_exactly_the_sum_of_their_rounded_parts(document):
    currency, lines = document
    totals = compute_totals(lines, currency=currency)
    digits = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}[currency]
    assert totals.line_nets == tuple(quantize(ln.quantity * ln.unit_price, currency) - ln.discount for ln in lines)
    assert totals.line_net_total == sum(totals.line_nets, D(0))
    assert sum((b.base for b in totals.breakdown), D(0)) == totals.tax_exclusive_total
    assert totals.tax_total == sum((b.tax for b in totals.breakdown), D(0))
    assert totals.total == totals.tax_exclusive_total + totals.tax_total
    for b in totals.breakdown:
        assert b.tax == quantize(b.base * b.rate / 100, currency)
    numbers = [*totals.line_nets, totals.line_net_total, totals.tax_exclusive_total, totals.tax_total, totals.total]
    numbers += [n for b in totals.breakdown for n in (b.base, b.tax)]
    assert all(type(n) is Decimal for n in numbers), "money is never a float"
    assert all(_places(n) <= digits for n in numbers), "every amount is in the currency's minor units"


@settings(max_examples=200)
@given(documents(), st.randoms())
def test_totals_do_not_depend_on_the_order_of_the_lines(document, random):
    currency, lines = document
    shuffled = list(lines)
    random.shuffle(shuffled)
    assert compute_totals(shuffled, currency=currency).total == compute_totals(lines, currency=currency).total


@settings(max_examples=200)
@given(documents(), st.data())
def test_a_document_discount_lowers_the_tax_exclusive_total_by_exactly_its_amount(document, data):
    currency, lines = document
    plain = compute_totals(lines, currency=currency)
    category, rate = lines[0].tax_category, lines[0].tax_rate
    base = next(b.base for b in plain.breakdown if b.category == category and b.rate == rate.normalize())
    discount = quantize(data.draw(st.decimals(min_value=D(0), max_value=base, places=3)), currency)
    discount = min(discount, base)
    discounted = compute_totals(lines, currency=currency, discount=discount, discount_tax_category=category, discount_tax_rate=rate)
    assert discounted.allowance_total == discount
    assert discounted.tax_exclusive_total == plain.tax_exclusive_total - discount
    assert discounted.total == discounted.tax_exclusive_total + discounted.tax_total
    assert discounted.tax_total <= plain.tax_total


def _raw_line(ln: LineInput) -> dict[str, object]:
    return {"description": "Item", "quantity": ln.quantity, "unit_price": ln.unit_price, "discount": ln.discount,
            "tax_category": ln.tax_category, "tax_rate": ln.tax_rate}  # fmt: skip


class TestStoredTotals(HypothesisDjangoTestCase):
    """Through the service and the database: what is stored and read back is what the one function computes."""

    @settings(max_examples=60, deadline=None)
    @given(documents())
    def test_an_issued_invoice_stores_and_reads_back_the_computed_totals(self, document):
        currency, lines = document
        expected = compute_totals(lines, currency=currency)
        # Documents above the installation's maximum amount are refused (test_bad_input holds that); this is about the rest.
        assume(max(*expected.line_nets, expected.line_net_total, expected.total) <= amount_limit())
        company = make_company(currency=currency)
        invoice = invoice_issue(actor=None, invoice=invoice_create(actor=None, company=company, lines=[_raw_line(ln) for ln in lines]))
        stored = Invoice.objects.get(pk=invoice.pk)
        assert (stored.line_net_total, stored.tax_total, stored.total, stored.balance) == (
            expected.line_net_total, expected.tax_total, expected.total, expected.total,
        )  # fmt: skip
        assert [ln.net_amount for ln in stored.lines.all()] == list(expected.line_nets)
        assert all(type(v) is Decimal for v in (stored.total, stored.balance, stored.tax_total))
