"""Issued side of the e-invoice import: the ERP sends an invoice it issued, as UBL or CII, and it becomes ours.

``issued_einvoice_import`` reads the bytes (``parse``: hostile input refused first), runs the official
EN 16931 validation (``validation``: any fatal assert refuses the document, each rule listed), maps the
document (``mapping``) and stores it through the invoice services: created and issued in one
transaction with the document's own number, source ``ubl`` or ``cii``, for the customer its buyer
party names (``selectors.company_for_buyer``), linked to our order when its order reference names
one (several invoices per order only when ``invoices_per_order`` says ``many``). The original bytes
are kept as the document's attachment (``documents.models.DocumentAttachment``).

Idempotent by number (the seller is always us, and the document's seller VAT id must be ours): the same
document again answers the document stored the first time; another document with a number that is
taken is a conflict (409).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from invoice_portal.audit.models import AuditEvent
from invoice_portal.audit.services import audit_record, audit_written
from invoice_portal.core.bulk import row_new, rows_insert
from invoice_portal.core.collector import cyclic_gc_paused
from invoice_portal.core.errors import Conflict, DomainError, OrderAlreadyInvoiced
from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.mapping import MappedDocument, einvoice_map
from invoice_portal.documents.einvoice.parse import EInvoice, Syntax
from invoice_portal.documents.einvoice.reading import einvoice_read_valid
from invoice_portal.documents.einvoice.selectors import companies_for_buyers, company_for_buyer, order_for_reference, orders_for_references
from invoice_portal.documents.models import AttachmentPurpose, DocumentAttachment
from invoice_portal.documents.services import MAX_FILENAME, attachment_create
from invoice_portal.imports.bulk import NewDocument, audit_event_new, document_prepare, documents_bulk_create
from invoice_portal.invoices.models import Direction, Invoice, Kind, Source, Status
from invoice_portal.invoices.services import invoice_create
from invoice_portal.invoices.services.documents import check_credited_within_total
from invoice_portal.orders.models import Order

CONTENT_TYPE = "application/xml"


class ForeignSeller(DomainError):
    code = "einvoice_foreign_seller"
    status = 422
    title = "Not our invoice"


@dataclass(frozen=True)
class IssuedImport:
    invoice: Invoice
    created: bool
    attachment: DocumentAttachment | None


def issued_einvoice_import(*, actor: Any, xml: bytes, filename: str = "") -> IssuedImport:
    """Validate, map and store an e-invoice the ERP issued (see the module's docstring for the rules)."""
    doc = einvoice_read_valid(xml)
    return issued_einvoice_store(actor=actor, xml=xml, doc=doc, filename=filename)


def _vat(value: str) -> str:
    return "".join(value.split()).upper()


def _check_seller(doc: EInvoice) -> None:
    ours = portal_settings().seller_tax_id
    if ours and doc.seller.vat_id and _vat(ours) != _vat(doc.seller.vat_id):
        raise ForeignSeller(
            f"The document's seller is {doc.seller.name} (VAT id {doc.seller.vat_id}), not us ({ours}): "
            "an invoice from a supplier is received, not issued here.",
            field="AccountingSupplierParty",
        )


def issued_einvoice_store(*, actor: Any, xml: bytes, doc: EInvoice, filename: str = "") -> IssuedImport:
    """Map and store a parsed (and validated) document; the part of the import without the XSLT."""
    _check_seller(doc)
    mapped = einvoice_map(doc)
    with transaction.atomic():
        existing = _issued(mapped.number)
        if existing is not None:
            return _same_or_conflict(existing, xml, mapped)
        try:
            with transaction.atomic():
                return _create(actor=actor, xml=xml, doc=doc, mapped=mapped, filename=filename)
        except (IntegrityError, Conflict) as exc:
            # Someone stored the number between our look-up and our insert: answer as if we had seen it.
            if isinstance(exc, Conflict) and exc.code != "number_taken":
                raise
            existing = _issued(mapped.number)
            if existing is None:
                raise
            return _same_or_conflict(existing, xml, mapped)


def _issued(number: str) -> Invoice | None:
    return Invoice.objects.filter(direction=Direction.ISSUED, number=number).select_related("company", "order").first()


def _header(mapped: MappedDocument, order: Order | None) -> dict[str, Any]:
    header = dict(mapped.header)
    if order is None or mapped.order_reference != order.external_id:
        header["po_number"] = mapped.order_reference[:100]
    return header


def _source(doc: EInvoice) -> str:
    return Source.UBL if doc.syntax == Syntax.UBL else Source.CII


def _import_event(actor: Any, doc: EInvoice, attachment: DocumentAttachment) -> dict[str, Any]:
    return {"syntax": doc.syntax.value, "type_code": doc.type_code, "attachment": attachment.pk, "sha256": attachment.sha256,
            "size": attachment.size, "filename": attachment.filename}  # fmt: skip


def _create(*, actor: Any, xml: bytes, doc: EInvoice, mapped: MappedDocument, filename: str) -> IssuedImport:
    company = company_for_buyer(doc.buyer)
    order = order_for_reference(company, mapped.order_reference)
    header = _header(mapped, order)
    if order is not None:
        order = Order.objects.select_for_update().get(pk=order.pk)  # one invoice per order is decided under the order's lock
        if mapped.kind == Kind.INVOICE and portal_settings().invoices_per_order == InvoicesPerOrder.ONE:
            live = Invoice.objects.filter(order=order, kind=Kind.INVOICE).exclude(status=Status.CANCELED).first()
            if live is not None:
                raise OrderAlreadyInvoiced(
                    f"Order {order.external_id} has an invoice already ({live}); one invoice per order is the setting."
                )
    related = None
    if mapped.preceding_number and mapped.kind != Kind.INVOICE:
        related = Invoice.objects.filter(direction=Direction.ISSUED, number=mapped.preceding_number, company=company).first()
    invoice = invoice_create(
        actor=actor, company=company, lines=mapped.lines, kind=mapped.kind,
        source=_source(doc), currency=mapped.currency, order=order,
        related_invoice=related, issue=True, number=mapped.number, **header,
    )  # fmt: skip
    if related is not None and mapped.kind == Kind.CREDIT_NOTE:
        check_credited_within_total(related)
    attachment = attachment_create(
        actor=actor, invoice=invoice, content=xml, filename=filename or f"{mapped.number}.xml", content_type=CONTENT_TYPE
    )
    audit_record(actor=actor, obj=invoice, action="invoice.import_einvoice", after=_import_event(actor, doc, attachment))
    return IssuedImport(invoice=invoice, created=True, attachment=attachment)


def _buyer_key(doc: EInvoice) -> tuple[Any, ...]:
    buyer = doc.buyer
    return (buyer.identifiers, buyer.vat_id, buyer.endpoint)


@cyclic_gc_paused()  # a batch keeps ~50 objects per document alive until it ends (core.collector)
@transaction.atomic
def issued_einvoices_store(*, actor: Any, documents: Sequence[tuple[bytes, EInvoice]], filenames: Sequence[str] = ()) -> list[IssuedImport]:
    """``issued_einvoice_store`` for many parsed (and validated) documents at once, all or nothing.

    The new documents are written together through the bulk path of the CSV/JSON import
    (``imports.bulk``: the same checks as ``invoice_create`` + ``invoice_issue``, documents, lines,
    seals and audit events in a few multi-row statements, each keeping its own number), with their
    original bytes and ``invoice.import_einvoice`` events in two more. Buyers are looked up together (one
    query per way of naming a customer), orders in one query. Documents that need more than that go through
    ``issued_einvoice_store`` one by one, after the others, with its rules and errors: a number stored
    already (the same document again, or a conflict), one repeated in the batch, a credit or debit
    note that names a preceding invoice, an order that has its invoice already (or is invoiced twice
    in the batch) when the settings allow one per order. The answers are in the documents' order.
    ``filenames`` (the files the documents came from, in their order) name their kept originals, as
    ``issued_einvoice_store``'s ``filename`` does; else ``<number>.xml``.
    """
    if not documents:
        return []
    if filenames and len(filenames) != len(documents):
        raise ValueError("one filename per document")
    mapped = []
    for _, doc in documents:
        _check_seller(doc)
        mapped.append(einvoice_map(doc))
    numbers = [m.number.strip() for m in mapped]
    taken = set(Invoice.objects.filter(direction=Direction.ISSUED, number__in=numbers).values_list("number", flat=True))
    buyers = {_buyer_key(doc): doc.buyer for _, doc in documents}  # each buyer party once, in the documents' order
    companies = dict(zip(buyers, companies_for_buyers(list(buyers.values())), strict=True))
    orders = orders_for_references((companies[_buyer_key(doc)], m.order_reference) for (_, doc), m in zip(documents, mapped, strict=True))
    invoiced: set[int] = set()
    one_per_order = portal_settings().invoices_per_order == InvoicesPerOrder.ONE
    if one_per_order:
        order_ids = [o.pk for o in orders.values() if o is not None]
        list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values_list("pk"))  # as ``_create`` locks its one
        invoiced = set(
            Invoice.objects.filter(order_id__in=order_ids, kind=Kind.INVOICE)
            .exclude(status=Status.CANCELED)
            .values_list("order_id", flat=True)
        )
    fast: list[tuple[int, NewDocument]] = []
    slow: list[int] = []
    seen: set[str] = set()
    for i, ((_, doc), m) in enumerate(zip(documents, mapped, strict=True)):
        company = companies[_buyer_key(doc)]
        order = orders.get((company.pk, m.order_reference))
        claims = order is not None and one_per_order and m.kind == Kind.INVOICE
        if (
            numbers[i] in taken or numbers[i] in seen or (m.preceding_number and m.kind != Kind.INVOICE)
            or (claims and order is not None and order.pk in invoiced)
        ):  # fmt: skip
            slow.append(i)
            continue
        seen.add(numbers[i])
        if claims and order is not None:
            invoiced.add(order.pk)
        new = document_prepare(
            actor=actor, company=company, lines=m.lines, kind=m.kind, source=_source(doc), currency=m.currency, order=order,
            external_id="", header=_header(m, order), issue=True, number=m.number,
        )  # fmt: skip
        fast.append((i, new))
    answers: list[IssuedImport | None] = [None] * len(documents)
    names = [(filenames[i] if filenames else "") or f"{m.number}.xml" for i, m in enumerate(mapped)]
    if fast:
        invoices = documents_bulk_create(actor=actor, documents=[new for _, new in fast])
        attachments = [
            row_new(
                DocumentAttachment, invoice=invoice, purpose=AttachmentPurpose.ORIGINAL, filename=names[i][:MAX_FILENAME],
                content_type=CONTENT_TYPE, content=bytes(documents[i][0]), size=len(documents[i][0]),
                sha256=hashlib.sha256(documents[i][0]).hexdigest(), created_by=actor if getattr(actor, "pk", None) is not None else None,
            )
            for (i, _), invoice in zip(fast, invoices, strict=True)
        ]  # fmt: skip
        rows_insert(DocumentAttachment, attachments)
        events = [
            audit_event_new(actor=actor, invoice=invoice, action="invoice.import_einvoice", before=None,
                            after=_import_event(actor, documents[i][1], attachment))
            for (i, _), invoice, attachment in zip(fast, invoices, attachments, strict=True)
        ]  # fmt: skip
        rows_insert(AuditEvent, events)
        audit_written(list(zip(events, invoices, strict=True)))
        for (i, _), invoice, attachment in zip(fast, invoices, attachments, strict=True):
            answers[i] = IssuedImport(invoice=invoice, created=True, attachment=attachment)
    for i in slow:
        xml, doc = documents[i]
        answers[i] = issued_einvoice_store(actor=actor, xml=xml, doc=doc, filename=filenames[i] if filenames else "")
    return [answer for answer in answers if answer is not None]


def _line_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        Decimal(values[k]) if k in ("quantity", "unit_price", "discount", "tax_rate") else str(values[k])
        for k in ("description", "sku", "quantity", "unit_price", "discount", "tax_category", "tax_rate")
    )


def _same_or_conflict(existing: Invoice, xml: bytes, mapped: MappedDocument) -> IssuedImport:
    original = DocumentAttachment.objects.filter(invoice=existing, purpose=AttachmentPurpose.ORIGINAL).defer("content").first()
    if original is not None and original.sha256 == hashlib.sha256(xml).hexdigest():
        return IssuedImport(invoice=existing, created=False, attachment=original)
    stored = [
        _line_key({f: getattr(ln, f) for f in ("description", "sku", "quantity", "unit_price", "discount", "tax_category", "tax_rate")})
        for ln in existing.lines.order_by("line_no")
    ]
    same = (
        existing.kind == mapped.kind
        and existing.currency == mapped.currency
        and existing.issue_date == mapped.header["issue_date"]
        and mapped.totals is not None
        and existing.total == mapped.totals.total
        and stored == [_line_key(ln) for ln in mapped.lines]
    )
    if not same:
        raise Conflict(
            f"An issued document numbered {mapped.number} exists already ({existing.get_kind_display().lower()} of "
            f"{existing.company.name}, {existing.issue_date}) and this document says something else.",
            code="document_number_taken",
        )
    return IssuedImport(invoice=existing, created=False, attachment=original)
