"""Supplier portal: own company's POs and invoices only (another's: 404), staff and buyers 403, and the flows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, resolve, reverse

from invoice_portal.accounts.models import Role, User
from invoice_portal.documents.models import SentInvoiceResponse
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.orders.models import Order
from invoice_portal.payables.services import received_attachment_add
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.supplier import urls as supplier_urls
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class World:
    ap: ApPersonas
    p: Personas
    po: dict[str, Order]
    invoice: dict[str, Invoice]


@pytest.fixture
def world(ap: ApPersonas, personas: Personas) -> World:
    po = {"northwind": make_po(supplier=ap.northwind), "initech": make_po(supplier=ap.initech)}
    invoice = {
        "northwind": flip(po["northwind"], actor=ap.sue, number="NW-1"),
        "initech": flip(po["initech"], actor=ap.ivan, number="IN-1"),
    }
    for key, inv in invoice.items():
        received_attachment_add(actor=None, invoice=inv, filename=f"{key}.pdf", content=PDF)
    return World(ap, personas, po, invoice)


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


# (name, permission, url for a supplier key, scoped: another supplier's object is a 404)
PAGES: list[tuple[str, str, Callable[[World, str], str], bool]] = [
    ("home", "supplier.view", lambda w, k: reverse("supplier:home"), False),
    ("orders", "supplier.view", lambda w, k: reverse("supplier:orders"), False),
    ("order detail", "supplier.view", lambda w, k: reverse("supplier:order_detail", args=[w.po[k].pk]), True),
    ("flip", "supplier.submit", lambda w, k: reverse("supplier:order_flip", args=[w.po[k].pk]), True),
    ("invoices", "supplier.view", lambda w, k: reverse("supplier:invoices") + "?status=pending_receiving", False),
    ("invoice detail", "supplier.view", lambda w, k: reverse("supplier:invoice_detail", args=[w.invoice[k].pk]), True),
    ("attachment", "supplier.view",
     lambda w, k: reverse("supplier:attachment", args=[w.invoice[k].pk, w.invoice[k].received_attachments.get().pk]), True),
    ("invoice response", "supplier.view",
     lambda w, k: reverse("supplier:response", args=[w.invoice[k].pk, _response(w.invoice[k]).pk]), True),
    ("users", "supplier.users", lambda w, k: reverse("supplier:users"), False),
    ("upload", "supplier.submit", lambda w, k: reverse("supplier:invoice_upload"), False),
    ("invoice PDF", "supplier.view", lambda w, k: reverse("supplier:invoice_pdf", args=[w.invoice[k].pk]), True),
    ("invoice without a PO", "supplier.submit", lambda w, k: reverse("supplier:invoice_without_po"), False),
    ("what was paid", "supplier.view", lambda w, k: reverse("supplier:payments"), False),
]  # fmt: skip


def test_every_get_page_is_in_the_matrix(world: World) -> None:
    posts = {"invoice_credit", "invoice_cancel"}
    names = {p.name for p in supplier_urls.urlpatterns if isinstance(p, URLPattern)} - posts
    assert {resolve(url(world, "northwind").split("?")[0]).url_name for _, _, url, _ in PAGES} == names


@pytest.mark.parametrize(("name", "permission", "url", "scoped"), PAGES, ids=[p[0] for p in PAGES])
def test_supplier_page_by_user_and_company(
    name: str, permission: str, url: Callable[[World, str], str], scoped: bool, world: World
) -> None:
    sue, sam, ivan = world.ap.sue, world.ap.sam, world.ap.ivan
    own = _client(sue).get(url(world, "northwind"))
    assert own.status_code == 200
    assert _client(sam).get(url(world, "northwind")).status_code == (403 if permission == "supplier.users" else 200)
    other = _client(ivan).get(url(world, "northwind"))
    assert other.status_code == (403 if permission == "supplier.users" else 404 if scoped else 200)
    if not scoped and name != "users":
        assert b"NW-1" not in other.content
        assert "Northwind" not in other.content.decode()
    for outsider in (world.ap.clerk, world.p.admin, world.p.alice):
        assert _client(outsider).get(url(world, "northwind")).status_code == 403
    assert Client().get(url(world, "northwind")).status_code == 302


def test_a_supplier_flips_a_po_unticks_a_line_and_adjusts_a_price(world: World) -> None:
    po = make_po(supplier=world.ap.northwind, lines=[("10", "5.00"), ("2", "100.00")])
    receive_all(po)
    first, second = po.lines.order_by("line_no")
    form = _client(world.ap.sam).get(reverse("supplier:order_flip", args=[po.pk])).content.decode()
    assert 'value="10"' in form
    reply = _client(world.ap.sam).post(reverse("supplier:order_flip", args=[po.pk]), {
        "number": "NW-7", "issue_date": "2026-11-21", f"take_{first.pk}": "on", f"qty_{first.pk}": "10", f"price_{first.pk}": "5.25",
        f"qty_{second.pk}": "2", f"price_{second.pk}": "100",
    })  # fmt: skip
    assert reply.status_code == 302
    invoice = Invoice.objects.get(number="NW-7")
    assert [(ln.order_line_id, str(ln.unit_price.normalize())) for ln in invoice.lines.all()] == [(first.pk, "5.25")]
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    detail = _client(world.ap.sam).get(reverse("supplier:invoice_detail", args=[invoice.pk])).content.decode()
    assert "price 5.25, ordered at 5" in detail


def test_a_duplicate_number_is_shown_beside_the_field(world: World) -> None:
    po = world.po["northwind"]
    data = {"number": "NW-1", "issue_date": "2026-11-21", **{f"take_{ln.pk}": "on" for ln in po.lines.all()},
            **{f"qty_{ln.pk}": "1" for ln in po.lines.all()},
            **{f"price_{ln.pk}": str(ln.unit_price) for ln in po.lines.all()}}  # fmt: skip
    reply = _client(world.ap.sue).post(reverse("supplier:order_flip", args=[po.pk]), data)
    assert reply.status_code == 422
    assert "already sent an invoice numbered NW-1" in reply.content.decode()


def test_a_credit_invoice_above_the_invoice_is_refused_and_within_it_accepted(world: World) -> None:
    invoice = world.invoice["northwind"]
    url = reverse("supplier:invoice_credit", args=[invoice.pk])
    too_much = _client(world.ap.sue).post(
        url, {"number": "CR-1", "issue_date": "2026-11-22", "description": "Refund", "amount": "999", "tax_rate": "0"}
    )
    assert too_much.status_code == 422
    assert "credited at most its total" in too_much.content.decode()
    ok = _client(world.ap.sue).post(
        url, {"number": "CR-1", "issue_date": "2026-11-22", "description": "Refund", "amount": "20", "tax_rate": "0"}
    )
    assert ok.status_code == 302
    assert Invoice.objects.get(number="CR-1").related_invoice == invoice
    assert (
        _client(world.ap.ivan).post(url, {"number": "CR-2", "issue_date": "2026-11-22", "description": "x", "amount": "1"}).status_code
        == 404
    )
    assert check_books() == []


def test_a_supplier_admin_invites_a_colleague_and_a_plain_user_cannot(world: World) -> None:
    role = Role.objects.get(code="supplier_user")
    reply = _client(world.ap.sue).post(reverse("supplier:users"), {"email": "nina@northwind.test", "role": role.pk})
    assert reply.status_code == 302
    nina = User.objects.get(email="nina@northwind.test")
    assert (nina.company, nina.role) == (world.ap.northwind, role)
    assert _client(world.ap.sam).post(reverse("supplier:users"), {"email": "x@northwind.test", "role": role.pk}).status_code == 403
    buyer_role = Role.objects.get(code="buyer")
    refused = _client(world.ap.sue).post(reverse("supplier:users"), {"email": "y@northwind.test", "role": buyer_role.pk})
    assert refused.status_code == 422
