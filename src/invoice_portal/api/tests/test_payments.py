"""/payments: list with filters, record with allocations, refund, reverse, allocate credit on account."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.payments.models import Payment
from invoice_portal.testing import Personas, make_invoice, pay

pytestmark = pytest.mark.django_db


def test_record_a_check_across_two_invoices_with_credit_left(as_: Any, personas: Personas) -> None:
    first = make_invoice(company=personas.acme, amount="100.00")
    second = make_invoice(company=personas.acme, amount="18.00")
    body = {
        "company": personas.acme.pk, "amount": "150.00", "currency": "USD", "method": "check", "reference": "CHK 42",
        "allocations": [{"invoice": first.pk, "amount": "100.00"}, {"invoice": second.pk, "amount": "18.00"}],
    }  # fmt: skip
    reply = as_("finance").post("payments", body)
    assert reply.status == 201, reply.body
    p = reply.body
    assert (p["status"], p["amount"], p["allocated_total"], p["unallocated"], p["reference"]) == (
        "succeeded",
        "150.00",
        "118.00",
        "32.00",
        "CHK 42",
    )
    assert p["allocations"] == [
        {"invoice": first.pk, "invoice_number": first.number, "amount": "100.00"},
        {"invoice": second.pk, "invoice_number": second.number, "amount": "18.00"},
    ]
    assert as_("finance").get(f"invoices/{first.pk}").body["status"] == "paid"
    assert as_("finance").get(f"companies/{personas.acme.pk}/balance").body["credit"] == "32.00"


def test_record_refuses_what_the_money_rules_refuse(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    other = make_invoice(company=personas.globex, amount="100.00")
    draft = make_invoice(company=personas.acme, status="draft")
    base = {"company": personas.acme.pk, "amount": "50.00", "currency": "USD", "method": "wire"}
    client = as_("finance")
    problem_of(
        client.post("payments", {**base, "allocations": [{"invoice": invoice.pk, "amount": "60.00"}]}), 409, "allocation_exceeds_payment"
    )
    problem_of(client.post("payments", {**base, "allocations": [{"invoice": other.pk, "amount": "10.00"}]}), 409, "allocation_not_allowed")
    problem_of(client.post("payments", {**base, "allocations": [{"invoice": draft.pk, "amount": "10.00"}]}), 409, "allocation_not_allowed")
    problem_of(
        client.post("payments", {**base, "currency": "EUR", "allocations": [{"invoice": invoice.pk, "amount": "1.00"}]}),
        422,
        "currency_mismatch",
    )
    problem_of(client.post("payments", {**base, "amount": "0"}), 422)
    problem_of(client.post("payments", {**base, "amount": "1.005"}), 422, "invalid_amount")
    problem_of(client.post("payments", {**base, "method": "bitcoin"}), 422)
    problem_of(client.post("payments", {**base, "company": 999999}), 422)
    assert Payment.objects.count() == 0


def test_list_with_filters(as_: Any, personas: Personas) -> None:
    a = pay(company=personas.acme, invoices=[], amount="10.00", method="check")
    b = pay(company=personas.globex, invoices=[], amount="20.00", method="cash")
    Payment.objects.filter(pk=b.pk).update(received_on=dt.date(2026, 1, 15))
    client = as_("sales")

    def ids(query: str) -> list[int]:
        reply = client.get(f"payments?{query}")
        assert reply.status == 200, reply.body
        return [p["id"] for p in reply.body["items"]]

    assert set(ids("")) == {a.pk, b.pk}
    assert ids(f"payment_id={a.pk}") == [a.pk]
    assert ids("customer=globex") == [b.pk]
    assert ids(f"company={personas.acme.pk}") == [a.pk]
    assert ids("method=cash") == [b.pk]
    assert ids("status=succeeded&sort=amount") == [a.pk, b.pk]
    assert ids("received_from=2026-01-01&received_to=2026-01-31") == [b.pk]
    problem_of(client.get("payments?status=lost"), 422)


def test_refund_releases_credit_first_then_the_newest_allocation(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")], amount="120.00")
    reply = as_("finance").post(f"payments/{payment.pk}/refund", {"amount": "50.00", "reason": "overpaid"})
    assert reply.status == 200
    body = reply.body
    assert (body["status"], body["refunded_amount"], body["unallocated"], body["allocated_total"]) == (
        "partially_refunded",
        "50.00",
        "0.00",
        "70.00",
    )
    assert body["refunds"][0]["amount"] == "50.00"
    assert body["refunds"][0]["reason"] == "overpaid"
    assert as_("finance").get(f"invoices/{invoice.pk}").body["status"] == "partially_paid"
    problem_of(as_("finance").post(f"payments/{payment.pk}/refund", {"amount": "500.00"}), 409, "refund_exceeds_payment")


def test_reverse_reopens_the_invoices(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")])
    reply = as_("finance").post(f"payments/{payment.pk}/reverse", {"reason": "bounced"})
    assert (reply.status, reply.body["status"], reply.body["allocations"]) == (200, "reversed", [])
    assert as_("finance").get(f"invoices/{invoice.pk}").body["status"] == "open"
    problem_of(as_("finance").post(f"payments/{payment.pk}/reverse"), 409, "invalid_transition")
    problem_of(as_("finance").post(f"payments/{payment.pk}/refund", {"amount": "1.00"}), 409)


def test_allocate_unallocated_credit_later(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[], amount="60.00")
    reply = as_("finance").post(f"payments/{payment.pk}/allocate", {"allocations": [{"invoice": invoice.pk, "amount": "60.00"}]})
    assert (reply.status, reply.body["unallocated"], reply.body["allocations"][0]["invoice"]) == (200, "0.00", invoice.pk)
    again = as_("finance").post(f"payments/{payment.pk}/allocate", {"allocations": [{"invoice": invoice.pk, "amount": "1.00"}]})
    problem_of(again, 409, "allocation_exceeds_payment")
    problem_of(as_("finance").post(f"payments/{payment.pk}/allocate", {"allocations": []}), 422)


def test_get_an_unknown_payment_is_404(as_: Any, personas: Personas) -> None:
    problem_of(as_("finance").get("payments/999999"), 404)
    problem_of(as_("finance").post("payments/999999/refund", {"amount": "1.00"}), 404)


def test_sales_sees_payments_but_cannot_record_or_refund(as_: Any, personas: Personas) -> None:
    payment = pay(company=personas.acme, invoices=[], amount="10.00")
    assert as_("sales").get(f"payments/{payment.pk}").status == 200
    problem_of(as_("sales").post("payments", {"company": personas.acme.pk, "amount": "1.00", "currency": "USD", "method": "cash"}), 403)
    problem_of(as_("sales").post(f"payments/{payment.pk}/refund", {"amount": "1.00"}), 403)
    problem_of(as_("sales").post(f"payments/{payment.pk}/reverse"), 403)
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


@pytest.mark.parametrize(("amount", "currency"), [("١٢", "USD"), ("12.00", "XXX"), ("12.00", "XTS")])
def test_a_payment_in_unicode_digits_or_a_pseudo_currency_is_refused(as_: Any, personas: Personas, amount: str, currency: str) -> None:
    body = {"company": personas.acme.pk, "amount": amount, "currency": currency, "method": "check", "reference": "CHK 1"}
    reply = as_("finance").post("payments", body)
    assert reply.status == 422, reply.body
    assert not Payment.objects.exists()
