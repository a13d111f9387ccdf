"""The matching pages as people use them: hold → requester → approver → transaction run; settings forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from invoice_portal.invoices.models import ReceivedStatus
from invoice_portal.payables.models import ApproverLimit, PayablesSettings, SupplierTolerance, TransactionRun
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import make_user

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_hold_to_requester_to_approver_to_run_through_the_pages(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"))
    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=["5.60", "100.00"])
    clerk, requester, approver = _client(ap.clerk), _client(ap.requester), _client(ap.approver)
    page = clerk.get(reverse("ap:ap_invoice_detail", args=[invoice.pk])).content.decode()
    assert "line 1: price 5.6, ordered at 5" in page
    assert "Send to requester" in page
    assert str(invoice.number) in clerk.get(reverse("ap:ap_holds")).content.decode()
    clerk.post(reverse("ap:ap_invoice_send_to_buyer", args=[invoice.pk]), {"comment": "Please check"})
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.PENDING_ORDER_ACCEPTANCE
    assert str(invoice.number) in requester.get(reverse("ap:ap_approvals")).content.decode()
    assert str(invoice.number) not in approver.get(reverse("ap:ap_approvals")).content.decode()
    requester.post(reverse("ap:ap_invoice_buyer_accept", args=[invoice.pk]), {"comment": "Agreed"})
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL
    assert str(invoice.number) in approver.get(reverse("ap:ap_approvals")).content.decode()
    approver.post(reverse("ap:ap_invoice_approve", args=[invoice.pk]), {"comment": "OK"})
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    clerk.post(reverse("ap:ap_run_start"))
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.DOWNLOADED
    run = TransactionRun.objects.get()
    csv_reply = clerk.get(reverse("ap:ap_run_download", args=[run.pk, "csv"]))
    assert str(invoice.number) in csv_reply.content.decode()


def test_a_rejection_needs_a_comment_and_the_supplier_sees_it(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=["5.60", "100.00"])
    clerk = _client(ap.clerk)
    reply = clerk.post(reverse("ap:ap_invoice_reject", args=[invoice.pk]), {"comment": ""}, follow=True)
    assert "say why" in reply.content.decode()
    clerk.post(reverse("ap:ap_invoice_reject", args=[invoice.pk]), {"comment": "Price not agreed"})
    invoice.refresh_from_db()
    assert (invoice.ap_status, invoice.ap_reason) == (ReceivedStatus.REJECTED, "Price not agreed")
    supplier_page = _client(ap.sue).get(reverse("supplier:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Price not agreed" in supplier_page


def test_tolerance_settings_org_and_supplier_with_form_errors(ap: ApPersonas) -> None:
    admin = _client(make_user(role="admin"))
    url = reverse("ap:ap_tolerances")
    reply = admin.post(url, {"org": "1", "org-price_tolerance_percent": "120"})
    assert reply.status_code == 422
    admin.post(url, {"org": "1", "org-price_tolerance_percent": "2", "org-price_tolerance_amount": "1.00"})
    row = PayablesSettings.objects.get()
    assert (row.price_tolerance_percent, row.price_tolerance_amount) == (Decimal("2"), Decimal("1"))
    admin.post(url, {"supplier": "1", "sup-supplier": ap.northwind.pk, "sup-price_tolerance_percent": "10"})
    assert SupplierTolerance.objects.get(supplier=ap.northwind).price_tolerance_percent == Decimal("10")
    admin.post(url, {"supplier": "1", "sup-supplier": ap.northwind.pk})
    assert not SupplierTolerance.objects.exists()


def test_approver_limit_and_delegation_form(ap: ApPersonas) -> None:
    admin = _client(make_user(role="admin"))
    url = reverse("ap:ap_approvers")
    colleague = make_user(email="colleague@demo.test", role="approver")
    reply = admin.post(url, {"user": ap.approver.pk, "limit": "5000", "delegate": colleague.pk, "delegate_from": "2026-12-10"})
    assert reply.status_code == 422
    assert "needs a period" in reply.content.decode()
    admin.post(url, {"user": ap.approver.pk, "limit": "5000", "delegate": colleague.pk, "delegate_from": "2026-12-10",
                     "delegate_until": "2026-12-20"})  # fmt: skip
    row = ApproverLimit.objects.get(user=ap.approver)
    assert (row.limit, row.delegate) == (Decimal("5000"), colleague)


def test_a_requester_without_ap_view_sees_the_invoice_only_while_it_waits_for_them(ap: ApPersonas) -> None:
    from invoice_portal.payables.services.approval import received_invoice_send_to_buyer

    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=["5.60", "100.00"])
    requester, outsider = _client(ap.requester), _client(make_user(role="sales"))
    url = reverse("ap:ap_invoice_detail", args=[invoice.pk])
    assert requester.get(url).status_code == 403
    received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice)
    page = requester.get(url)
    assert page.status_code == 200
    assert "Accept invoice" in page.content.decode()
    assert outsider.get(url).status_code == 403
    assert outsider.post(reverse("ap:ap_invoice_buyer_accept", args=[invoice.pk]), {"comment": "x"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.PENDING_ORDER_ACCEPTANCE  # the service refused the outsider
