"""The demo data set: complete, consistent, reachable with the fixed logins, and loaded only once.

The real data set (500 documents) is built once for this module by the command ``make demo``
runs, and rolled back afterwards; every test reads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
from invoice_portal.demo import DEMO_LOGINS
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Dispute, DisputeStatus, Invoice, InvoiceLine, Kind, ReceivedStatus, Status
from invoice_portal.invoices.selectors import invoices_visible_to, overdue
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Method, Payment, PaymentStatus, Refund

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_output(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_demo_loads_with_a_summary_and_the_books_balance(demo_output: str) -> None:
    assert "Demo data set loaded" in demo_output
    assert f"invoice documents:  total {Invoice.objects.count()}" in demo_output  # 500 issued (the set's size) and the received ones
    assert Invoice.objects.filter(direction="issued").count() == 500
    assert check_books() == []


def test_demo_has_documents_of_every_status_kind_source_and_several_currencies() -> None:
    invoices = Invoice.objects.filter(direction="issued")
    assert invoices.count() == 500
    assert set(invoices.values_list("status", flat=True)) == set(Status.values)
    assert set(invoices.filter(kind=Kind.INVOICE).values_list("status", flat=True)) == set(Status.values)
    assert set(invoices.values_list("kind", flat=True)) == set(Kind.values)
    assert {"order", "manual", "erp", "api", "csv"} <= set(invoices.values_list("source", flat=True))
    assert {"USD", "EUR", "GBP"} <= set(invoices.values_list("currency", flat=True))
    assert invoices.filter(discount__gt=0).exists()
    lines = InvoiceLine.objects.all()
    assert lines.filter(kind="cost").exists()
    assert lines.filter(tax_category="Z").exists()
    assert len(set(lines.filter(tax_category="S").values_list("tax_rate", flat=True))) >= 4
    assert Invoice.objects.filter(version__gt=1).exists(), "some issued invoices were edited"


def test_demo_has_overdue_invoices() -> None:
    assert overdue(Invoice.objects.all()).count() >= 10


def test_demo_has_payments_of_every_method_and_status() -> None:
    assert set(Payment.objects.values_list("method", flat=True)) == set(Method.values)
    assert set(Payment.objects.values_list("status", flat=True)) == set(PaymentStatus.values)


def test_one_check_is_spread_over_several_invoices_with_different_amounts() -> None:
    check = Payment.objects.get(method=Method.CHECK, reference="Check #104887")
    amounts = list(check.allocations.filter(amount__gt=0).values_list("amount", flat=True))
    assert len(amounts) >= 3
    assert len(set(amounts)) == len(amounts)
    assert check.allocations.values("invoice__company").distinct().count() == 2, "ACME pays for ACME West too"
    assert check.allocations.filter(invoice__status=Status.PARTIALLY_PAID).exists()


def test_a_bounced_check_is_reversed_and_its_invoices_reopened() -> None:
    bounced = Payment.objects.get(method=Method.CHECK, status=PaymentStatus.REVERSED)
    assert bounced.allocated_total == 0
    released = Invoice.objects.filter(allocations__payment=bounced)
    assert released.count() == 2
    assert released.filter(status=Status.OPEN).exists()


def test_refunds_credit_notes_applied_and_credit_left_on_account() -> None:
    assert Refund.objects.count() >= 2
    assert Payment.objects.filter(status=PaymentStatus.REFUNDED, refunded_amount=F("amount")).exists()
    assert Payment.objects.filter(status=PaymentStatus.PARTIALLY_REFUNDED).exists()
    assert Allocation.objects.filter(credit_note__isnull=False, amount__gt=0).count() >= 5
    with_credit = Payment.objects.filter(status__in=SETTLED_STATUSES, amount__gt=F("refunded_amount") + F("allocated_total"))
    assert with_credit.exists()
    assert Invoice.objects.filter(kind=Kind.CREDIT_NOTE, status=Status.OPEN, balance__gt=0).exists()


def test_orders_come_from_store_and_erp_and_some_are_flagged_after_invoicing() -> None:
    sales = Order.objects.filter(direction="sales")
    assert sales.filter(store_records__isnull=True).count() == 200  # besides the demo store connection's (integrations/bigcommerce/demo.py)
    assert sales.filter(store_records__isnull=False).count() == 3
    assert set(sales.values_list("source", flat=True)) == {"bigcommerce", "erp"}
    assert sales.filter(flag_updated=True).exists()
    assert sales.filter(flag_canceled=True).exists()
    assert not sales.filter(Q(flag_updated=True) | Q(flag_canceled=True), invoices__isnull=True).exists()
    assert Order.objects.filter(direction="purchase", company__name="Initech").exists()


def test_disputes_are_open_rejected_and_resolved_by_credit() -> None:
    assert set(Dispute.objects.values_list("status", flat=True)) == set(DisputeStatus.values)
    assert Dispute.objects.filter(status=DisputeStatus.OPEN).count() >= 3
    assert not Dispute.objects.filter(status=DisputeStatus.CREDITED, credit_note__isnull=True).exists()


def test_customers_and_the_supplier_are_fully_described() -> None:
    customers = Company.objects.filter(is_customer=True)
    assert customers.count() >= 5
    assert not customers.filter(Q(external_id__isnull=True) | Q(tax_id="") | Q(address_line1="") | Q(city="")).exists()
    assert {"USD", "EUR", "GBP"} <= set(customers.values_list("currency", flat=True))
    assert len(set(customers.values_list("payment_terms_days", flat=True))) >= 3
    assert Company.objects.get(name="ACME West").parent == Company.objects.get(name="ACME Corp")
    initech = Company.objects.get(name="Initech")
    assert (initech.is_customer, initech.is_supplier) == (False, True)


def test_the_fixed_logins_work_with_the_demo_password() -> None:
    for email in DEMO_LOGINS:
        user = authenticate(username=email, password=settings.DEMO_PASSWORD)
        assert user is not None, email
        assert user.full_name
    roles = dict(User.objects.values_list("email", "role__code"))
    assert roles["admin@demo.test"] == "admin"
    assert roles["ap@demo.test"] == "ap_clerk"
    assert roles["bob@acme.test"] == "accounts_payable"
    assert roles["sam@initech.test"] == "supplier_user"
    assert list(User.objects.filter(is_staff=True).values_list("email", flat=True)) == ["admin@demo.test"]


@pytest.mark.parametrize("email", ["alice@acme.test", "bob@acme.test", "carol@acme.test", "walt@acmewest.test", "charlie@globex.test"])
def test_every_portal_persona_sees_several_invoices_in_several_statuses(email: str) -> None:
    user = User.objects.get(email=email)
    visible = invoices_visible_to(user)
    assert visible.count() >= 5
    assert {Status.OPEN, Status.PAID} <= set(visible.values_list("status", flat=True))
    assert len(set(visible.values_list("status", flat=True))) >= 3


def test_charlie_sees_nothing_of_acme() -> None:
    charlie = User.objects.get(email="charlie@globex.test")
    assert not invoices_visible_to(charlie).filter(company__name__startswith="ACME").exists()


def test_load_demo_twice_does_not_duplicate() -> None:
    before = (Invoice.objects.count(), Payment.objects.count(), Order.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert (Invoice.objects.count(), Payment.objects.count(), Order.objects.count(), User.objects.count()) == before


def test_numbers_follow_issue_dates() -> None:
    """The simulation issues in date order, so each kind's numbers rise with its issue dates."""
    for kind in Kind.values:
        numbered = Invoice.objects.filter(kind=kind, direction="issued", number__isnull=False).order_by("number")
        issued = [date for date in numbered.values_list("issue_date", flat=True) if date is not None]
        assert len(issued) == numbered.count()
        assert issued == sorted(issued), kind
    assert not Invoice.objects.annotate(n=Count("seals")).filter(status=Status.DRAFT, n__gt=0).exists()


def test_the_demo_webhook_endpoint_receives_every_event_type_and_has_recent_events_queued() -> None:
    from invoice_portal.events.models import Event, EventType
    from invoice_portal.webhooks.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.get(url__endswith="/integrations/webhook-inbox/demo/")
    assert set(endpoint.event_types) == set(EventType.values)
    assert endpoint.deliveries.count() == 12
    assert Event.objects.filter(type="invoice.issued").count() > 100, "the history is in the change feed"


def test_demo_has_accounts_payable_in_every_intake_path_and_po_state() -> None:
    from invoice_portal.orders.models import PurchaseOrderStatus

    received = Invoice.objects.filter(direction="received")
    assert {"supplier_portal", "manual", "api"} <= set(received.values_list("source", flat=True))
    # Every AP state of the seed (AP part 2 adds order acceptance, delegated approval, rejected, downloaded).
    assert set(ReceivedStatus.values) - {"draft"} == set(received.values_list("ap_status", flat=True))
    assert received.filter(kind=Kind.CREDIT_NOTE).exists()
    assert received.filter(order__source="retrofit").count() == 2
    assert received.filter(order__no_invoice_expected=True).exists()
    assert received.filter(received_attachments__kind="pdf").exists()
    pos = Order.objects.filter(direction="purchase")
    assert set(PurchaseOrderStatus.values) <= set(pos.values_list("po_status", flat=True))
    sue = authenticate(email="sue@northwind.test", password=settings.DEMO_PASSWORD)
    assert sue is not None
    assert Company.objects.get(users=sue).is_supplier


def test_demo_has_a_payment_to_a_supplier_its_users_see() -> None:
    from invoice_portal.payables.selectors_payments import supplier_payments_visible_to

    sue = authenticate(email="sue@northwind.test", password=settings.DEMO_PASSWORD)
    payments = list(supplier_payments_visible_to(sue))
    assert payments
    assert any(p.allocations.exists() and p.unallocated > 0 for p in payments)
    assert Invoice.objects.filter(direction="received", status="paid").exists()
