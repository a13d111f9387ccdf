"""The two statuses of each invoice line and the invoice's summary of them (seed 004, tables 4 and 5)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import PermissionDenied, ValidationFailed
from invoice_portal.invoices.line_statuses import HeaderStatus, header_status, line_status_set
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.invoices.selectors import invoice_summary_status
from invoice_portal.invoices.services import dispute_open, dispute_reject
from invoice_portal.payments.services import payment_refund
from invoice_portal.remittances.services import remittance_reject, remittance_submit
from invoice_portal.testing import Personas, line, make_invoice, pay

N, P, D, R = "new", "paid", "disputed", "payment_received"

# Every row of the seed's table 5, and the combinations it leaves out (decided in ``header_status``'s docstring).
TABLE_5 = [
    # New: New / New on every line
    ([(N, N)], HeaderStatus.NEW),
    ([(N, N), (N, N), (N, N)], HeaderStatus.NEW),
    ([], HeaderStatus.NEW),
    # Partially Paid: Paid, but not for all lines / Payment Received, but not for all lines
    ([(P, R), (N, N)], HeaderStatus.PARTIALLY_PAID),
    ([(P, N), (N, N)], HeaderStatus.PARTIALLY_PAID),  # the buyer says paid, the money is not here yet
    ([(N, R), (N, N)], HeaderStatus.PARTIALLY_PAID),  # money received for a line the buyer left New (set by hand)
    ([(N, R), (N, R)], HeaderStatus.PARTIALLY_PAID),  # left out by the table: not all Paid for the customer
    # Paid: Paid for all lines / Any
    ([(P, R), (P, R)], HeaderStatus.PAID),
    ([(P, N), (P, N)], HeaderStatus.PAID),
    ([(P, R), (P, N)], HeaderStatus.PAID),
    ([(P, D)], HeaderStatus.DISPUTED),  # a dispute outweighs payment
    # Disputed: Disputed on at least one line / Any
    ([(D, D), (N, N)], HeaderStatus.DISPUTED),
    ([(D, D), (P, R)], HeaderStatus.DISPUTED),
    ([(D, N)], HeaderStatus.DISPUTED),
    ([(D, R), (P, R)], HeaderStatus.DISPUTED),
]


@pytest.mark.parametrize(("lines", "expected"), TABLE_5)
def test_the_header_status_is_the_seed_s_table(lines: list[tuple[str, str]], expected: HeaderStatus) -> None:
    assert header_status(lines) == expected


def _statuses(invoice: Invoice) -> list[tuple[str, str]]:
    return list(invoice.lines.order_by("line_no").values_list("customer_status", "enterprise_status"))


def _three_lines(p: Personas) -> Invoice:
    return make_invoice(company=p.acme, lines=[line(description=f"Item {i}", unit_price="100.00") for i in (1, 2, 3)])


@pytest.mark.django_db
def test_money_received_moves_both_statuses_of_the_lines_it_covers_in_line_order(personas: Personas) -> None:
    invoice = _three_lines(personas)

    pay(company=personas.acme, invoices=[(invoice, "150.00")])

    assert _statuses(invoice) == [(P, R), (N, N), (N, N)]
    assert invoice_summary_status(invoice) == "Partially Paid"
    pay(company=personas.acme, invoices=[(invoice, "150.00")])
    assert _statuses(invoice) == [(P, R), (P, R), (P, R)]
    assert invoice_summary_status(invoice) == "Paid"


@pytest.mark.django_db
def test_remittance_advice_marks_the_lines_paid_for_the_customer_before_the_seller_has_the_money(personas: Personas) -> None:
    p = personas
    invoice = _three_lines(p)

    advice = remittance_submit(
        actor=p.bob, amount="200.00", method="wire", reference="W-1", paid_on=timezone.localdate(), invoices_amounts=[(invoice, "200.00")]
    )

    assert _statuses(invoice) == [(P, N), (P, N), (N, N)]
    assert invoice_summary_status(invoice) == "Partially Paid"
    remittance_reject(actor=p.finance, remittance=advice, comment="No wire arrived")
    assert _statuses(invoice) == [(N, N), (N, N), (N, N)]


@pytest.mark.django_db
def test_a_dispute_marks_its_line_disputed_on_both_sides_and_closing_it_lets_the_money_speak(personas: Personas) -> None:
    p = personas
    invoice = _three_lines(p)
    pay(company=p.acme, invoices=[(invoice, "100.00")])
    second = invoice.lines.get(line_no=2)

    dispute = dispute_open(actor=p.bob, line=second, reason="damaged", text="Broken")

    assert _statuses(invoice) == [(P, R), (D, D), (N, N)]
    assert invoice_summary_status(invoice) == "Disputed"
    dispute_reject(actor=p.finance, dispute=dispute, comment="Intact on delivery")
    assert _statuses(invoice) == [(P, R), (N, N), (N, N)]


@pytest.mark.django_db
def test_a_refund_takes_back_payment_received_and_the_customer_s_paid(personas: Personas) -> None:
    p = personas
    invoice = _three_lines(p)
    payment = pay(company=p.acme, invoices=[(invoice, "300.00")])

    payment_refund(actor=p.finance, payment=payment, amount="300.00", reason="Returned goods")

    assert _statuses(invoice) == [(N, N), (N, N), (N, N)]


@pytest.mark.django_db
def test_finance_sets_either_status_of_a_line_with_a_reason_and_the_audit_trail_keeps_old_new_who_why(personas: Personas) -> None:
    p = personas
    invoice = _three_lines(p)
    first = invoice.lines.get(line_no=1)

    line_status_set(actor=p.finance, line=first, side="enterprise", status=R, reason="Cash at the counter, receipt 88")
    line_status_set(actor=p.finance, line=first, side="customer", status=P, reason="Buyer confirmed by phone")

    assert _statuses(invoice)[0] == (P, R)
    events = list(AuditEvent.objects.filter(action__startswith="invoice.line_").order_by("pk"))
    assert [e.action for e in events] == ["invoice.line_enterprise_status", "invoice.line_customer_status"]
    assert events[0].actor == p.finance
    assert events[0].before == {"line": 1, "enterprise_status": "New"}
    assert events[0].after == {"line": 1, "enterprise_status": "Payment received", "reason": "Cash at the counter, receipt 88"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "side", "status", "reason", "error"),
    [
        ("sales", "enterprise", R, "Because", PermissionDenied),
        ("bob", "customer", P, "I paid", PermissionDenied),
        ("finance", "enterprise", "paid", "Wrong word", ValidationFailed),
        ("finance", "seller", R, "Unknown side", ValidationFailed),
        ("finance", "enterprise", R, "  ", ValidationFailed),
    ],
)
def test_a_line_status_change_is_refused_without_finance_a_known_status_or_a_reason(
    personas: Personas, who: str, side: str, status: str, reason: str, error: type[Exception]
) -> None:
    invoice = _three_lines(personas)
    first: Any = invoice.lines.get(line_no=1)

    with pytest.raises(error):
        line_status_set(actor=getattr(personas, who), line=first, side=side, status=status, reason=reason)

    assert _statuses(invoice)[0] == (N, N)
    assert not AuditEvent.objects.filter(action__startswith="invoice.line_").exists()


@pytest.mark.django_db
def test_the_migration_backfills_both_statuses_from_the_value_shown_until_now(personas: Personas) -> None:
    p = personas
    partial = _three_lines(p)
    pay(company=p.acme, invoices=[(partial, "100.00")])
    disputed = _three_lines(p)
    dispute_open(actor=p.bob, line=disputed.lines.get(line_no=3), reason="price", text="Too dear")
    paid = make_invoice(company=p.acme, status="paid", lines=2)
    InvoiceLine.objects.update(customer_status="new", enterprise_status="new")  # as before the columns existed

    importlib.import_module("invoice_portal.invoices.migrations.0009_line_customer_and_enterprise_status").backfill(apps, None)

    assert _statuses(partial) == [(P, R), (N, N), (N, N)]
    assert _statuses(disputed) == [(N, N), (N, N), (D, D)]
    assert _statuses(paid) == [(P, R), (P, R)]
