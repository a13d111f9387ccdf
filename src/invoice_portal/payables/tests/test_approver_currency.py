"""Approver limits apply in their own currency, never converted; an invoice in another currency needs a limit in that currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.accounts.models import User
from invoice_portal.core.errors import Conflict, InvalidCurrency
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.payables.models import ApprovalStep, ApproverLimit, PayablesSettings
from invoice_portal.payables.services.ap_settings import approver_limit_set
from invoice_portal.payables.services.approval import received_invoice_buyer_accept, received_invoice_send_to_buyer
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import make_company, make_user, refused

pytestmark = pytest.mark.django_db


def _held_in(ap: ApPersonas, currency: str) -> Invoice:
    supplier = make_company(name=f"Supplier {currency}", is_supplier=True, is_customer=False, currency=currency)
    po = make_po(supplier=supplier, requester=ap.requester)
    assert po.currency == currency
    receive_all(po)
    invoice = flip(po, actor=ap.clerk, prices=["5.60", "100.00"])
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    return received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice)


def _limit(user: User, currency: str, amount: Decimal) -> None:
    ApproverLimit.objects.update_or_create(user=user, currency=currency, defaults={"limit": amount})


def test_a_limit_in_another_currency_does_not_cover_the_invoice(ap: ApPersonas) -> None:
    invoice = _held_in(ap, "EUR")
    _limit(ap.requester, "USD", Decimal("1000000"))
    _limit(ap.approver, "USD", Decimal("1000000"))
    with refused(Conflict, f"No approver's limit covers {invoice.total.normalize():f} EUR"):
        received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok")


def test_the_requester_accepts_exactly_at_their_limit_in_the_invoices_currency(ap: ApPersonas) -> None:
    invoice = _held_in(ap, "EUR")
    _limit(ap.requester, "EUR", invoice.total)
    _limit(ap.requester, "USD", Decimal("0"))
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok")
    assert invoice.ap_status == ReceivedStatus.ACCEPTED


def test_a_cent_over_the_limit_goes_to_the_approver_with_a_limit_in_that_currency(ap: ApPersonas) -> None:
    invoice = _held_in(ap, "EUR")
    _limit(ap.requester, "EUR", invoice.total - Decimal("0.01"))
    usd_big = make_user(email="usd-cfo@demo.test", role="approver")
    _limit(usd_big, "USD", Decimal("1000000"))  # covers the number, but in dollars: never chosen
    _limit(ap.approver, "EUR", invoice.total)  # exactly the total: covers it
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="ok")
    assert invoice.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL
    assert ApprovalStep.objects.get(invoice=invoice, decision="pending").assignee == ap.approver


def test_auto_accept_limit_is_in_the_default_currency_only(ap: ApPersonas) -> None:
    PayablesSettings.objects.update_or_create(pk=1, defaults={"auto_accept_limit": Decimal("1000000")})
    usd = make_po(supplier=ap.northwind)
    receive_all(usd)
    assert flip(usd, actor=ap.sue).ap_status == ReceivedStatus.ACCEPTED  # USD is the default currency
    supplier = make_company(name="Euro Supplier", is_supplier=True, is_customer=False, currency="EUR")
    eur = make_po(supplier=supplier)
    receive_all(eur)
    held = flip(eur, actor=ap.clerk)
    assert held.ap_status == ReceivedStatus.ON_HOLD
    assert "no approver's limit covers" in held.ap_reason
    assert "EUR" in held.ap_reason
    _limit(ap.approver, "EUR", Decimal("10000"))
    eur2 = make_po(supplier=supplier)
    receive_all(eur2)
    routed = flip(eur2, actor=ap.clerk)
    assert routed.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL
    assert ApprovalStep.objects.get(invoice=routed, decision="pending").assignee == ap.approver


def test_limits_per_currency_are_kept_apart_and_delegation_is_the_persons(ap: ApPersonas) -> None:
    import datetime as dt

    colleague = make_user(email="colleague@demo.test", role="approver")
    approver_limit_set(actor=None, user=ap.approver, limit="5000")  # the default currency
    day = dt.date(2026, 12, 24)
    approver_limit_set(actor=None, user=ap.approver, limit="3000", currency="eur", delegate=colleague, delegate_from=day,
                       delegate_until=day)  # fmt: skip
    rows = {r.currency: r for r in ApproverLimit.objects.filter(user=ap.approver)}
    assert {c: r.limit for c, r in rows.items()} == {"USD": Decimal("5000"), "EUR": Decimal("3000")}
    assert {r.delegate for r in rows.values()} == {colleague}
    with refused(InvalidCurrency, "not an ISO 4217"):
        approver_limit_set(actor=None, user=ap.approver, limit="1", currency="XYZ")
