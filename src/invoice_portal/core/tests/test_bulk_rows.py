"""``row_new`` makes the instance ``Model(**values)`` makes (the bulk writers build their rows with it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.core.bulk import row_new
from invoice_portal.documents.models import DocumentAttachment
from invoice_portal.events.models import Event
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.testing import make_invoice

pytestmark = pytest.mark.django_db


def _fields(obj: models.Model) -> dict[str, Any]:
    """Every field's value; a default computed per instance (``timezone.now``) by its type only."""
    return {
        f.attname: type(value) if callable(f.default) else value
        for f in obj._meta.concrete_fields
        if (value := getattr(obj, f.attname)) is not None or not callable(f.default)
    }


def _same[M: models.Model](model: type[M], **values: Any) -> M:
    fast, slow = row_new(model, **dict(values)), model(**values)
    assert type(fast) is model
    assert _fields(fast) == _fields(slow)
    assert fast._state.adding
    assert fast._state.db is None
    assert fast._state.fields_cache == slow._state.fields_cache
    return fast


def test_same_instances_as_the_keyword_constructor(personas: Any) -> None:
    company = personas.acme
    invoice = _same(
        Invoice, kind="invoice", direction="issued", source="ubl", company=company, currency="EUR", order=None,
        external_id=None, created_by=personas.finance, po_number="PO-1",
    )  # fmt: skip
    assert invoice.company is company
    assert invoice.company_id == company.pk
    assert invoice.created_by_id == personas.finance.pk
    assert invoice.order_id is None
    invoice.pk = 41
    line = _same(
        InvoiceLine, invoice=invoice, line_no=1, kind="item", sku="W-1", description="Widget", quantity=Decimal("3"),
        unit_code="C62", unit_price=Decimal("19.99"), discount=Decimal(0), tax_category="S", tax_rate=Decimal("20"),
        net_amount=Decimal("59.97"), order_line_id=None,
    )  # fmt: skip
    assert line.invoice is invoice
    assert line.invoice_id == 41
    _same(AuditEvent, actor=None, actor_label="system", channel="import", channel_ref="x", object_type="invoices.invoice",
          object_id="41", action="invoice.create", before=None, after={"total": "1.00"})  # fmt: skip
    _same(DocumentSeal, invoice_id=41, version=1, content_hash="a" * 64, prev_chain_hash="", chain_hash="b" * 64)
    _same(DocumentAttachment, invoice=invoice, filename="x.xml", content_type="application/xml", content=b"<x/>", size=4,
          sha256="c" * 64, created_by=None)  # fmt: skip
    _same(Event, uid="evt_1", type="invoice.issued", version=1, object_type="invoices.invoice", object_id="41", payload={})


def test_refuses_what_the_keyword_constructor_refuses(personas: Any) -> None:
    with pytest.raises(TypeError, match="unexpected keyword arguments: colour"):
        row_new(InvoiceLine, line_no=1, colour="red")
    with pytest.raises(TypeError):
        InvoiceLine(line_no=1, colour="red")  # type: ignore[misc]
    with pytest.raises(ValueError, match="must be a"):
        row_new(InvoiceLine, invoice=personas.acme)
    with pytest.raises(ValueError, match="must be a"):
        InvoiceLine(invoice=personas.acme)
    invoice = make_invoice(company=personas.acme)
    with pytest.raises(TypeError, match="got both invoice and its foreign key's other name"):
        row_new(InvoiceLine, invoice=invoice, invoice_id=invoice.pk, line_no=1)


def test_rows_insert_keeps_every_byte_and_value_of_a_table_with_a_bytes_column(personas: Any) -> None:
    """A table with a bytes column is written in binary format on PostgreSQL (``_binary_types``)."""
    from invoice_portal.core.bulk import rows_insert
    from invoice_portal.testing import make_invoice

    contents = [bytes(range(256)) * 3, b"<Invoice>\\x00 caf\xc3\xa9</Invoice>", b""]
    invoices = [make_invoice(company=personas.acme) for _ in contents]
    rows = [
        row_new(DocumentAttachment, invoice=invoice, purpose="original", filename=f"{i}.xml", content_type="application/xml",
                content=content, size=len(content), sha256=str(i) * 64, created_by=personas.finance if i else None)
        for i, (invoice, content) in enumerate(zip(invoices, contents, strict=True))
    ]  # fmt: skip
    rows_insert(DocumentAttachment, rows)
    stored = {a.pk: a for a in DocumentAttachment.objects.filter(invoice__in=invoices)}
    assert sorted(stored) == sorted(r.pk for r in rows)
    for row in rows:
        got = stored[row.pk]
        assert bytes(got.content) == row.content
        assert (got.invoice_id, got.size, got.sha256, got.filename, got.purpose, got.created_by_id) == (
            row.invoice_id, row.size, row.sha256, row.filename, row.purpose, row.created_by_id,
        )  # fmt: skip
        assert got.created_at is not None


def test_rows_update_stores_each_rows_own_values_and_nothing_else(personas: Any) -> None:
    """One statement on PostgreSQL (``UPDATE … FROM (VALUES …)``), one per row elsewhere: the same rows either way."""
    import datetime as dt

    from invoice_portal.core.bulk import rows_update
    from invoice_portal.testing import make_invoice

    invoices = [make_invoice(company=personas.acme, amount=amount) for amount in ("100.00", "250.50", "80.00")]
    untouched = make_invoice(company=personas.acme, amount="70.00")
    when = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    for invoice, (allocated, status) in zip(invoices, [("100.00", "paid"), ("0.25", "partially_paid"), ("0", "open")], strict=True):
        invoice.allocated_total, invoice.balance = Decimal(allocated), invoice.total - Decimal(allocated)
        invoice.status, invoice.updated_at, invoice.po_number = status, when, "not stored"
    rows_update(Invoice, invoices, ["allocated_total", "balance", "status", "updated_at"])
    stored = {i.pk: i for i in Invoice.objects.filter(pk__in=[i.pk for i in [*invoices, untouched]])}
    for invoice in invoices:
        got = stored[invoice.pk]
        assert (got.allocated_total, got.balance, got.status, got.updated_at, got.po_number) == (
            invoice.allocated_total, invoice.balance, invoice.status, when, "",
        )  # fmt: skip
    assert (stored[untouched.pk].allocated_total, stored[untouched.pk].status) == (Decimal(0), "open")


def test_rows_update_with_a_row_given_twice_stores_the_last(personas: Any) -> None:
    from invoice_portal.core.bulk import rows_update
    from invoice_portal.testing import make_invoice

    invoice = make_invoice(company=personas.acme, lines=2)
    first, second = list(invoice.lines.order_by("line_no"))
    again = InvoiceLine.objects.get(pk=first.pk)
    first.customer_status, second.customer_status, again.customer_status = "paid", "disputed", "new"
    rows_update(InvoiceLine, [first, second, again], ["customer_status"])
    assert dict(invoice.lines.values_list("line_no", "customer_status")) == {1: "new", 2: "disputed"}
