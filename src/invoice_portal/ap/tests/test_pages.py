"""AP pages: every page × role (200 with the permission, 403 without, suppliers and buyers 403, anonymous
to login), and the flows a clerk and a requester go through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from invoice_portal.accounts.permissions import BUILTIN_ROLES
from invoice_portal.ap import urls as ap_urls
from invoice_portal.documents.models import SentInvoiceResponse
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.orders.models import Order, PurchaseOrderStatus, Receipt
from invoice_portal.payables.models import ReceivedAttachment, SupplierPayment, TransactionRun
from invoice_portal.payables.services import received_attachment_add, retrofit_invoice_create
from invoice_portal.payables.services.transaction_runs import transaction_run_create
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import Personas, make_user

pytestmark = pytest.mark.django_db
GRANTS = {role.code: set(role.grants) for role in BUILTIN_ROLES}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    ap: ApPersonas
    p: Personas
    po: Order
    invoice: Invoice
    retrofit: Invoice
    run: TransactionRun


@pytest.fixture
def world(ap: ApPersonas, personas: Personas) -> World:
    po = make_po(supplier=ap.northwind, requester=ap.requester)
    invoice = flip(po, actor=ap.clerk, number="NW-1", source="manual")
    received_attachment_add(actor=ap.clerk, invoice=invoice, filename="nw-1.pdf", content=PDF)
    retrofit = retrofit_invoice_create(actor=ap.clerk, supplier=ap.northwind, number="NW-R", requester=ap.requester,
                                       lines=[{"description": "Call-out", "quantity": "1", "unit_price": "90.00"}])  # fmt: skip
    accepted_po = make_po(supplier=ap.northwind)
    receive_all(accepted_po)
    flip(accepted_po, actor=ap.clerk)
    return World(ap, personas, po, invoice, retrofit, transaction_run_create(actor=ap.clerk))


def _supplier_payment(w: World) -> SupplierPayment:
    from invoice_portal.payables.services.supplier_payments import supplier_payment_record

    return SupplierPayment.objects.first() or supplier_payment_record(actor=w.ap.clerk, supplier=w.ap.northwind, amount="10",
                                                                      method="wire")  # fmt: skip


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _response(invoice: Invoice) -> SentInvoiceResponse:
    """An Invoice Response to the supplier about ``invoice`` (written directly: who may download it is the point here)."""
    response, _ = SentInvoiceResponse.objects.get_or_create(
        invoice=invoice, response_id=f"IR-{invoice.pk}-pages",
        defaults={"code": "AB", "issue_date": dt.date(2026, 12, 1), "ap_status": invoice.ap_status, "xml": b"<x/>"},
    )  # fmt: skip
    return response


PAGES: list[tuple[str, str | None, Callable[[World], str]]] = [
    ("inbox", "ap.view", lambda w: reverse("ap:ap_inbox")),
    ("inbox filtered", "ap.view", lambda w: reverse("ap:ap_inbox") + "?status=pending_receiving&supplier=North&amount_min=1"),
    ("inbox export", "ap.view", lambda w: reverse("ap:ap_inbox_export")),
    ("invoice detail", "ap.view", lambda w: reverse("ap:ap_invoice_detail", args=[w.invoice.pk])),
    ("attachment", "ap.view", lambda w: reverse("ap:ap_attachment", args=[w.invoice.pk, w.invoice.received_attachments.get().pk])),
    ("invoice response", "ap.view", lambda w: reverse("ap:ap_response", args=[w.invoice.pk, _response(w.invoice).pk])),
    ("orders", "ap.view", lambda w: reverse("ap:ap_orders")),
    ("order detail", "ap.view", lambda w: reverse("ap:ap_order_detail", args=[w.po.pk])),
    ("record receipt", "ap.receive", lambda w: reverse("ap:ap_order_receive", args=[w.po.pk])),
    ("key invoice", "ap.enter", lambda w: reverse("ap:ap_order_invoice", args=[w.po.pk])),
    ("retrofit", "ap.enter", lambda w: reverse("ap:ap_retrofit_new")),
    ("acceptance", None, lambda w: reverse("ap:ap_acceptance")),
    ("waiting e-invoices", "ap.view", lambda w: reverse("ap:ap_intake")),
    ("hold queue", "ap.view", lambda w: reverse("ap:ap_holds")),
    ("waiting for me", None, lambda w: reverse("ap:ap_approvals")),
    ("tolerances", "settings.manage", lambda w: reverse("ap:ap_tolerances")),
    ("approver limits", "settings.manage", lambda w: reverse("ap:ap_approvers")),
    ("discount setting", "settings.manage", lambda w: reverse("ap:ap_discounts")),
    ("new purchase order", "ap.enter", lambda w: reverse("ap:ap_order_new")),
    ("invoice PDF", "ap.view", lambda w: reverse("ap:ap_invoice_pdf", args=[w.invoice.pk])),
    ("transaction runs", "ap.export", lambda w: reverse("ap:ap_runs")),
    ("transaction run file", "ap.export", lambda w: reverse("ap:ap_run_download", args=[w.run.pk, "csv"])),
    ("supplier payments", "ap.view", lambda w: reverse("ap:ap_payments")),
    ("record supplier payment", "ap.pay", lambda w: reverse("ap:ap_payment_new") + f"?supplier={w.ap.northwind.pk}"),
    ("supplier payment", "ap.view", lambda w: reverse("ap:ap_payment_detail", args=[_supplier_payment(w).pk])),
]
STAFF_ROLES = ["admin", "finance", "sales", "ap_clerk", "approver"]


def test_every_get_page_of_the_ap_app_is_in_the_matrix(world: World) -> None:
    posts = {
        "ap_invoice_cancel",
        "ap_acceptance_accept",
        "ap_acceptance_reject",
        "ap_intake_link",
        "ap_invoice_send_to_buyer",
        "ap_invoice_rematch",
        "ap_invoice_buyer_accept",
        "ap_invoice_approve",
        "ap_invoice_reject",
        "ap_run_start",
        "ap_order_close",
        "ap_order_cancel",
        "ap_payment_allocate",
    }
    names = {p.name for p in ap_urls.urlpatterns if isinstance(p, URLPattern)} - posts
    from django.urls import resolve

    covered = {resolve(url(world).split("?")[0]).url_name for _, _, url in PAGES}
    assert covered == names


@pytest.mark.parametrize(("name", "permission", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_ap_page_by_role(name: str, permission: str | None, url: Callable[[World], str], world: World) -> None:
    target = url(world)
    for role in STAFF_ROLES:
        status = _client(make_user(role=role)).get(target).status_code
        expected = 200 if permission is None or permission in GRANTS[role] else 403
        assert status == expected, (role, status)
    for outsider in (world.p.alice, world.ap.sue):
        assert _client(outsider).get(target).status_code == 403
    anonymous = Client().get(target)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_the_inbox_counts_statuses_and_exports_exactly_the_filtered_set(world: World) -> None:
    clerk = _client(world.ap.clerk)
    page = clerk.get(reverse("ap:ap_inbox")).content.decode()
    assert 'Pending receiving <span class="count">1</span>' in page
    assert 'Pending initial acceptance <span class="count">1</span>' in page
    body = b"".join(clerk.get(reverse("ap:ap_inbox_export") + "?status=pending_receiving").streaming_content).decode()  # type: ignore[attr-defined]
    rows = body.strip().splitlines()
    assert len(rows) == 2
    assert ",NW-1," in rows[1]


def test_the_clerk_records_a_receipt_and_the_waiting_invoice_moves_on(world: World) -> None:
    lines = {f"qty_{ln.pk}": str(ln.quantity) for ln in world.po.lines.all()}
    reply = _client(world.ap.clerk).post(reverse("ap:ap_order_receive", args=[world.po.pk]), {"received_on": "2026-11-20", **lines})
    assert reply.status_code == 302
    world.po.refresh_from_db()
    world.invoice.refresh_from_db()
    assert (world.po.po_status, world.invoice.ap_status) == (PurchaseOrderStatus.RECEIVED, ReceivedStatus.ACCEPTED)


def test_an_over_receipt_without_reason_is_a_form_error(world: World) -> None:
    first = world.po.lines.get(line_no=1)
    reply = _client(world.ap.clerk).post(
        reverse("ap:ap_order_receive", args=[world.po.pk]), {"received_on": "2026-11-20", f"qty_{first.pk}": "99"}
    )
    assert reply.status_code == 422
    assert "needs an over-receipt reason" in reply.content.decode()
    assert not Receipt.objects.filter(order_line__order=world.po).exists()


def test_keying_an_invoice_needs_a_real_pdf(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    po = make_po(supplier=world.ap.northwind)
    data = {"number": "NW-9", "issue_date": "2026-11-20", **{f"take_{ln.pk}": "on" for ln in po.lines.all()},
            **{f"qty_{ln.pk}": "1" for ln in po.lines.all()},
            **{f"price_{ln.pk}": str(ln.unit_price) for ln in po.lines.all()}}  # fmt: skip
    url = reverse("ap:ap_order_invoice", args=[po.pk])
    fake = _client(world.ap.clerk).post(url, {**data, "pdf": SimpleUploadedFile("x.pdf", b"MZ not a pdf")})
    assert fake.status_code == 422
    assert "not a PDF file" in fake.content.decode()
    assert not Invoice.objects.filter(number="NW-9").exists()
    ok = _client(world.ap.clerk).post(url, {**data, "pdf": SimpleUploadedFile("nw-9.pdf", PDF)})
    assert ok.status_code == 302
    invoice = Invoice.objects.get(number="NW-9")
    assert bytes(ReceivedAttachment.objects.get(invoice=invoice).content) == PDF
    assert invoice.lines.count() == 2


def test_only_the_requester_sees_and_accepts_the_retrofit_order(world: World) -> None:
    order = world.retrofit.order
    assert order is not None
    assert order.po_number not in _client(world.ap.clerk).get(reverse("ap:ap_acceptance")).content.decode()
    assert _client(world.ap.clerk).post(reverse("ap:ap_acceptance_accept", args=[order.pk])).status_code == 404
    requester = _client(world.ap.requester)
    assert order.po_number in requester.get(reverse("ap:ap_acceptance")).content.decode()
    assert requester.post(reverse("ap:ap_acceptance_accept", args=[order.pk]), {"comment": "ok"}).status_code == 302
    world.retrofit.refresh_from_db()
    assert world.retrofit.ap_status == ReceivedStatus.ACCEPTED
    assert check_books() == []
