"""Payments: the dashboard, the manual offline payment with allocations, refunds, reversals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from invoice_portal.payments.models import Payment
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_invoice, pay

URL = "/seller/payments/"


def new_url(world: World, company=None) -> str:
    return reverse("seller:payment_new") + f"?company={(company or world.p.acme).pk}"


def test_payment_filters(world: World, client) -> None:
    other = pay(company=world.p.globex, invoices=[(world.globex_open, "100.00")], method="wire", reference="WIRE-1")
    client.force_login(world.p.sales)
    assert [p.pk for p in client.get(f"{URL}?method=wire").context["page"].object_list] == [other.pk]
    assert [p.pk for p in client.get(f"{URL}?customer=GLOBEX").context["page"].object_list] == [other.pk]
    assert [p.pk for p in client.get(f"{URL}?payment_id={world.payment.pk}").context["page"].object_list] == [world.payment.pk]
    assert client.get(f"{URL}?status=reversed").context["page"].paginator.count == 0
    html = client.get(URL).content.decode()
    assert "CHK-777" in html
    assert "WIRE-1" in html


def test_searching_a_customer_by_name_or_external_id(world: World, client) -> None:
    client.force_login(world.p.finance)
    assert "ACME Corp" in client.get(reverse("seller:payment_new") + "?q=acme").content.decode()
    html = client.get(reverse("seller:payment_new") + "?q=ACME-W").content.decode()
    assert "ACME West" in html
    assert "ACME Corp" not in html


def test_the_form_lists_open_invoices_and_the_credit_on_account(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.get(new_url(world))
    listed = {inv.pk for inv in response.context["form"].invoices}
    assert listed == {world.open.pk, world.overdue.pk, world.partial.pk, world.from_order.pk}
    assert response.context["position"].credit == Decimal("20.00")  # the world's payment left 20 on account


def test_one_check_over_two_invoices_with_different_amounts(world: World, client) -> None:
    client.force_login(world.p.finance)
    data = {
        "amount": "250.00", "method": "check", "reference": "CHK-1234", "received_on": "2026-11-20",
        f"alloc_{world.open.pk}": "200.00", f"alloc_{world.overdue.pk}": "50.00",
    }  # fmt: skip
    response = client.post(new_url(world), data)
    payment = Payment.objects.get(reference="CHK-1234")
    assert response["Location"] == reverse("seller:payment_detail", args=[payment.pk])
    assert payment.created_by == world.p.finance
    assert payment.allocated_total == Decimal("250.00")
    world.open.refresh_from_db()
    world.overdue.refresh_from_db()
    assert world.open.status == "paid"
    assert world.overdue.status == "paid"
    page = client.get(reverse("seller:payment_detail", args=[payment.pk])).content.decode()
    assert world.open.number in page
    assert world.overdue.number in page
    assert "CHK-1234" in page


def test_what_is_not_allocated_stays_as_credit(world: World, client) -> None:
    client.force_login(world.p.finance)
    data = {"amount": "100.00", "method": "cash", "reference": "memo", "received_on": "2026-11-20", f"alloc_{world.open.pk}": "60.00"}
    response = client.post(new_url(world), data, follow=True)
    assert "$40.00 left as credit on account" in response.content.decode()
    world.open.refresh_from_db()
    assert world.open.status == "partially_paid"


def test_over_allocation_is_refused_with_a_clear_message_and_nothing_is_written(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Payment.objects.count()
    data = {
        "amount": "100.00",
        "method": "check",
        "received_on": "2026-11-20",
        f"alloc_{world.open.pk}": "80.00",
        f"alloc_{world.partial.pk}": "30.00",
    }
    response = client.post(new_url(world), data)
    assert response.status_code == 200
    assert "The allocations add up to 110.00, more than the payment of 100.00 USD." in response.content.decode()
    assert Payment.objects.count() == before
    world.open.refresh_from_db()
    assert world.open.allocated_total == 0


def test_allocating_more_than_an_invoice_balance_is_refused(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Payment.objects.count()
    data = {"amount": "500.00", "method": "check", "received_on": "2026-11-20", f"alloc_{world.overdue.pk}": "60.00"}
    response = client.post(new_url(world), data)
    assert "more than the 50.00 USD still due" in response.content.decode()
    assert response.context["form"].errors[f"alloc_{world.overdue.pk}"] == [
        f"60.00 is more than the 50.00 USD still due on {world.overdue}."
    ]
    assert not response.context["form"].non_field_errors()
    assert response.content.decode().count("more than the 50.00 USD still due") == 1
    assert Payment.objects.count() == before


def test_the_row_at_fault_is_marked_when_a_later_row_is_refused(world: World, client) -> None:
    client.force_login(world.p.finance)
    data = {
        "amount": "500.00", "method": "check", "received_on": "2026-11-20",
        f"alloc_{world.open.pk}": "10.00", f"alloc_{world.overdue.pk}": "60.00",
    }  # fmt: skip
    response = client.post(new_url(world), data)
    errors = response.context["form"].errors
    assert f"alloc_{world.overdue.pk}" in errors
    assert f"alloc_{world.open.pk}" not in errors
    assert 'class="row-error"' in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e9", "scientific notation"),
        ("1,5", "ambiguous"),
        ("1,000,000,000.00", "above this installation&#x27;s maximum of $999,999,999.99"),
    ],
)
def test_amounts_people_should_not_type_are_field_errors(world: World, client, amount: str, message: str) -> None:
    client.force_login(world.p.finance)
    before = Payment.objects.count()
    data = {"amount": amount, "method": "check", "received_on": "2026-11-20", "confirm_amount": "1000000000.00"}
    response = client.post(new_url(world), data)
    assert message in response.content.decode()
    assert response.context["form"].errors.get("amount")
    assert Payment.objects.count() == before


def test_an_amount_written_as_the_app_writes_it_is_accepted(world: World, client) -> None:
    client.force_login(world.p.finance)
    data = {"amount": "1,250.00", "method": "check", "reference": "CHK-GROUPED", "received_on": "2026-11-20"}
    client.post(new_url(world), data)
    assert Payment.objects.get(reference="CHK-GROUPED").amount == Decimal("1250.00")


def test_a_large_payment_is_confirmed_before_it_is_recorded(world: World, client, settings) -> None:
    settings.MONEY_CONFIRM_ABOVE = "100000.00"
    client.force_login(world.p.finance)
    data = {"amount": "1,000,000.00", "method": "wire", "reference": "WIRE-BIG", "received_on": "2026-11-20"}
    asked = client.post(new_url(world), data)
    assert asked.status_code == 200
    assert "Record a payment of $1,000,000.00?" in asked.content.decode()
    assert not Payment.objects.filter(reference="WIRE-BIG").exists()
    # Confirming one amount and then changing it asks again.
    changed = client.post(new_url(world), {**data, "amount": "2000000", "confirm_amount": "1000000.00"})
    assert "Record a payment of $2,000,000.00?" in changed.content.decode()
    assert not Payment.objects.filter(reference="WIRE-BIG").exists()
    done = client.post(new_url(world), {**data, "confirm_amount": "1000000.00"})
    payment = Payment.objects.get(reference="WIRE-BIG")
    assert done["Location"] == reverse("seller:payment_detail", args=[payment.pk])
    assert payment.amount == Decimal("1000000.00")


def test_an_amount_at_the_threshold_needs_no_confirmation(world: World, client, settings) -> None:
    settings.MONEY_CONFIRM_ABOVE = "1000.00"
    client.force_login(world.p.finance)
    client.post(new_url(world), {"amount": "1000.00", "method": "wire", "reference": "WIRE-EDGE", "received_on": "2026-11-20"})
    assert Payment.objects.filter(reference="WIRE-EDGE").exists()


def test_a_bad_amount_is_a_field_error_and_nothing_is_written(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Payment.objects.count()
    for amount, message in (
        ("12.345", "more than 2 decimal places"),
        ("abc", "is not a number"),
        ("0", "above zero"),
        ("-5", "must not be negative"),
    ):
        response = client.post(new_url(world), {"amount": amount, "method": "check", "received_on": "2026-11-20"})
        assert message in response.content.decode(), amount
        assert response.context["form"].errors.get("amount"), amount
    response = client.post(new_url(world), {"amount": "10", "method": "check", "received_on": "2026-11-20", f"alloc_{world.open.pk}": "x"})
    assert response.context["form"].errors.get(f"alloc_{world.open.pk}")
    assert Payment.objects.count() == before


def test_refund_beyond_the_payment_is_refused_then_a_partial_refund_works(world: World, client) -> None:
    client.force_login(world.p.finance)
    url = reverse("seller:payment_refund", args=[world.payment.pk])
    response = client.post(url, {"amount": "80.00"})
    assert "left to refund" in response.content.decode()
    world.payment.refresh_from_db()
    assert world.payment.refunded_amount == 0
    client.post(url, {"amount": "10.00", "reason": "Overpaid"})
    world.payment.refresh_from_db()
    assert world.payment.status == "partially_refunded"
    assert world.payment.refunded_amount == Decimal("10.00")


def test_reversing_a_bounced_check_reopens_the_invoice(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.post(reverse("seller:payment_reverse", args=[world.payment.pk]), {"reason": "Returned unpaid"})
    assert response.status_code == 302
    world.payment.refresh_from_db()
    world.overdue.refresh_from_db()
    assert world.payment.status == "reversed"
    assert world.overdue.status == "open"
    assert world.overdue.allocated_total == 0


def test_reversing_needs_a_reason(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.post(reverse("seller:payment_reverse", args=[world.payment.pk]), {"reason": ""})
    assert response.status_code == 200
    world.payment.refresh_from_db()
    assert world.payment.status == "succeeded"


def test_allocating_the_credit_left_on_a_payment(world: World, client) -> None:
    client.force_login(world.p.finance)
    page = client.get(reverse("seller:payment_detail", args=[world.payment.pk])).content.decode()
    assert "Allocate the credit left ($20.00)" in page
    url = reverse("seller:payment_allocate", args=[world.payment.pk])
    response = client.post(url, {f"alloc_{world.open.pk}": "25.00"})
    assert "left to allocate" in response.content.decode()
    client.post(url, {f"alloc_{world.open.pk}": "20.00"})
    world.payment.refresh_from_db()
    assert world.payment.unallocated == 0


def test_sales_sees_payments_but_no_refund_or_record_controls(world: World, client) -> None:
    client.force_login(world.p.sales)
    page = client.get(reverse("seller:payment_detail", args=[world.payment.pk])).content.decode()
    assert "Refund or reverse" not in page
    assert "Reverse payment" not in page
    assert "Allocate the credit" not in page
    assert "Record offline payment" not in client.get(URL).content.decode()


def test_a_payment_in_another_currency_lists_that_currencys_invoices(world: World, client) -> None:
    euro = make_invoice(company=world.p.acme, status="open", currency="EUR", amount="70.00")
    client.force_login(world.p.finance)
    response = client.get(new_url(world) + "&currency=EUR")
    assert [inv.pk for inv in response.context["form"].invoices] == [euro.pk]
    client.post(
        new_url(world) + "&currency=EUR", {"amount": "70.00", "method": "wire", "received_on": "2026-11-20", f"alloc_{euro.pk}": "70.00"}
    )
    euro.refresh_from_db()
    assert euro.status == "paid"
    assert Payment.objects.filter(currency="EUR").count() == 1


def test_the_payment_export_streams_the_filtered_payments_formula_safe(world: World, client) -> None:
    from invoice_portal.seller.tests.test_invoice_dashboard import csv_rows

    other = pay(company=world.p.acme, invoices=[(world.partial, "10.00")], reference="=HYPERLINK(1)")
    client.force_login(world.p.finance)
    assert reverse("seller:payments_export") in client.get(reverse("seller:payments")).content.decode()
    rows = csv_rows(client.get(reverse("seller:payments_export")))
    by_id = {int(r["Id"]): r for r in rows}
    assert set(by_id) == set(Payment.objects.values_list("pk", flat=True))
    assert by_id[other.pk]["Check number / memo"] == "'=HYPERLINK(1)"
    assert (by_id[world.payment.pk]["Amount"], by_id[world.payment.pk]["Allocated"], by_id[world.payment.pk]["Credit left"]) == (
        "50.00", "30.00", "20.00",
    )  # fmt: skip
