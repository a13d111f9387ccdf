"""The bulk path writes exactly what ``invoice_create`` + ``invoice_issue`` write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from invoice_portal.audit.models import AuditEvent, ChainHead, DocumentSeal
from invoice_portal.audit.services import content_hash
from invoice_portal.imports.bulk import document_prepare, documents_bulk_create
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.invoices.services.documents import invoice_content
from invoice_portal.testing import Personas, line, make_order

pytestmark = pytest.mark.django_db

_IGNORED = {"id", "external_id", "number", "created_at", "updated_at", "issued_at"}


def _lines() -> list[dict[str, Any]]:
    return [
        line(description="Widget", quantity="3", unit_price="19.99", tax_rate="20", sku="W-1"),
        line(description="Gadget", quantity="1.5", unit_price="0.0125", tax_rate="7", discount="0.01"),
        line(description="Freight", unit_price="12.50", tax_rate="20", kind="cost"),
    ]


def _header() -> dict[str, Any]:
    return {
        "issue_date": "2026-11-02",
        "po_number": "PO-1",
        "notes": "n",
        "discount": "5.00",
        "discount_tax_category": "S",
        "discount_tax_rate": "20",
    }


def _stored(invoice: Invoice) -> dict[str, Any]:
    invoice.refresh_from_db()
    fields = {f.attname: getattr(invoice, f.attname) for f in Invoice._meta.concrete_fields if f.attname not in _IGNORED}
    columns = ("line_no", "kind", "sku", "description", "quantity", "unit_price", "discount", "tax_category", "tax_rate", "net_amount")
    fields["lines"] = list(invoice.lines.order_by("line_no").values(*columns, "unit_code"))
    return fields


def _events(invoice: Invoice) -> list[tuple[Any, ...]]:
    def plain(view: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if view is None else {k: v for k, v in view.items() if k not in ("id", "number")}

    return [
        (e.action, e.actor_id, e.channel, plain(e.before), plain(e.after))
        for e in AuditEvent.objects.filter(object_type="invoices.invoice", object_id=str(invoice.pk)).order_by("pk")
    ]


@pytest.mark.parametrize("issue", [True, False])
def test_bulk_created_documents_match_the_services(personas: Personas, issue: bool) -> None:
    order = make_order(company=personas.acme, external_id="100", placed_by=personas.alice)
    by_service = invoice_create(
        actor=personas.finance, company=personas.acme, lines=_lines(), source="erp", external_id="S", order=order, **_header()
    )
    if issue:
        by_service = invoice_issue(actor=personas.finance, invoice=by_service)
    new = document_prepare(
        actor=personas.finance, company=personas.acme, lines=_lines(), kind="invoice", source="erp", currency="USD", order=order,
        external_id="B", header=_header(), issue=issue,
    )  # fmt: skip
    with transaction.atomic():
        [by_bulk] = documents_bulk_create(actor=personas.finance, documents=[new])

    assert _stored(by_bulk) == _stored(by_service)
    assert _events(by_bulk) == _events(by_service)
    if issue:
        assert by_service.number == "INV-2026-000001"
        assert by_bulk.number == "INV-2026-000002"
        seal = DocumentSeal.objects.get(invoice=by_bulk)
        assert seal.content_hash == content_hash(invoice_content(by_bulk))
        assert ChainHead.objects.get().length == 2
    assert check_books() == []


def test_numbers_continue_gapless_per_kind_and_year_across_bulk_and_services(personas: Personas) -> None:
    wanted = [("invoice", "2026-01-05"), ("credit_note", "2026-01-05"), ("invoice", "2025-12-31"), ("invoice", "2026-02-01")]
    docs = [
        document_prepare(
            actor=None, company=personas.acme, lines=[line()], kind=kind, source="erp", currency="USD", order=None,
            external_id=f"E-{n}", header={"issue_date": date}, issue=True,
        )
        for n, (kind, date) in enumerate(wanted)
    ]  # fmt: skip
    with transaction.atomic():
        documents_bulk_create(actor=None, documents=docs)
    later = invoice_issue(
        actor=None, invoice=invoice_create(actor=None, company=personas.acme, lines=[line()]), issue_date=dt.date(2026, 3, 1)
    )

    assert [d.invoice.number for d in docs] == ["INV-2026-000001", "CN-2026-000001", "INV-2025-000001", "INV-2026-000002"]
    assert later.number == "INV-2026-000003"
    assert check_books() == []


def test_a_rolled_back_bulk_write_returns_its_numbers_and_chain(personas: Personas) -> None:
    new = document_prepare(
        actor=None, company=personas.acme, lines=[line()], kind="invoice", source="erp", currency="USD", order=None,
        external_id="X", header={}, issue=True,
    )  # fmt: skip

    def write_then_fail() -> None:
        with transaction.atomic():
            documents_bulk_create(actor=None, documents=[new])
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        write_then_fail()

    issued = invoice_issue(actor=None, invoice=invoice_create(actor=None, company=personas.acme, lines=[line()]))
    assert issued.number is not None
    assert issued.number.endswith("000001")
    assert check_books() == []
