"""Supplier e-invoices (UBL 2.1 / CII) in: read by the one parser (``documents.einvoice.parse``), checked by the
official EN 16931 validation, mapped by the shared ``einvoice_map``, and booked as a received invoice.

- The supplier: a supplier's own upload is theirs; otherwise the seller party's VAT id (or its legal or
  electronic-address id) names one of our suppliers. Unknown → the document waits in the AP inbox as an
  ``EInvoiceIntake`` until AP links it to a supplier (``einvoice_intake_link``).
- The purchase order: the order reference (BT-13) names one of that supplier's POs by PO number or
  external id; each line is linked to the PO line its order-line reference (BT-132) numbers, else to
  the PO line with its item id (BT-155) as sku. No order reference → a retrofit order when the buyer
  reference (BT-10) names a staff member as requester; otherwise the invoice is booked without a PO
  and routed on hold ("No purchase order") for AP to act on.
- A credit note credits the supplier's invoice its preceding-invoice reference (BG-3) names.
- The XML is kept byte for byte as the invoice's attachment. A document already booked is refused as a
  duplicate supplier number (409).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from invoice_portal.accounts.models import User
from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.documents.einvoice.mapping import EInvoiceNotImportable, MappedDocument, einvoice_map
from invoice_portal.documents.einvoice.parse import EInvoice, Party
from invoice_portal.documents.einvoice.reading import einvoice_read_valid
from invoice_portal.invoices.models import Direction, Invoice, Kind, Source
from invoice_portal.orders.models import Direction as OrderDirection
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.payables.models import AttachmentKind, EInvoiceIntake, IntakeStatus
from invoice_portal.payables.services.attachments import received_attachment_add
from invoice_portal.payables.services.purchase_orders import check_supplier
from invoice_portal.payables.services.received import received_invoice_create
from invoice_portal.payables.services.retrofit import retrofit_invoice_create

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


@dataclass(frozen=True)
class EInvoiceReceived:
    invoice: Invoice | None  # booked
    intake: EInvoiceIntake | None  # waiting for AP to name the supplier


def _norm(value: str) -> str:
    return _NOT_ALNUM.sub("", value or "").upper()


def supplier_for_party(party: Party) -> Company | None:
    """The supplier the seller party names by VAT id, else by legal or electronic-address id (our external id)."""
    suppliers = Company.objects.filter(is_supplier=True)
    vat = _norm(party.vat_id or party.tax_registration_id)
    if vat:
        for company in suppliers.exclude(tax_id=""):
            if _norm(company.tax_id) == vat:
                return company
    for ident in (party.legal_id, party.endpoint, *party.identifiers):
        if ident is not None and ident.value:
            found = suppliers.filter(external_id=ident.value).first()
            if found is not None:
                return found
    return None


class ForeignSender(ValidationFailed):
    code = "einvoice_foreign_sender"


def _check_sender(party: Party, supplier: Company) -> None:
    """A supplier's own upload names that supplier as its seller (when both carry a VAT id)."""
    theirs, ours = _norm(party.vat_id), _norm(supplier.tax_id)
    if theirs and ours and theirs != ours:
        raise ForeignSender(f"The document's seller is {party.name} (VAT {party.vat_id}), not {supplier} (VAT {supplier.tax_id}).")


def _order_for(supplier: Company, reference: str) -> Order | None:
    if not reference:
        return None
    return (
        Order.objects.filter(direction=OrderDirection.PURCHASE, company=supplier)
        .filter(Q(po_number=reference) | Q(external_id=reference))
        .exclude(po_status="canceled")
        .first()
    )


def _link_lines(doc: EInvoice, mapped: MappedDocument, order: Order) -> list[dict[str, Any]]:
    po_lines = list(OrderLine.objects.filter(order=order))
    by_no = {str(ln.line_no): ln for ln in po_lines}
    by_sku = {ln.sku: ln for ln in po_lines if ln.sku}
    linked = []
    for i, values in enumerate(mapped.lines):
        source = doc.lines[i] if i < len(doc.lines) else None
        po_line = None
        if source is not None:
            po_line = by_no.get(source.order_line_reference.strip()) or by_sku.get(source.seller_item_id)
        linked.append({**values, "order_line_id": po_line.pk if po_line else None})
    return linked


def _requester(reference: str) -> User | None:
    if "@" not in (reference or ""):
        return None
    return User.objects.filter(email=reference.strip().lower(), company__isnull=True, is_active=True).first()


def _book(*, actor: Any, supplier: Company, xml: bytes, doc: EInvoice, filename: str) -> Invoice:
    check_supplier(supplier)
    mapped = einvoice_map(doc)
    if mapped.kind == Kind.DEBIT_NOTE:
        raise EInvoiceNotImportable("A supplier's debit note is not taken in; ask for an invoice.", field="InvoiceTypeCode")
    source = Source.UBL if doc.syntax == "ubl" else Source.CII
    header = {"issue_date": mapped.header["issue_date"], "due_date": mapped.header["due_date"], "currency": mapped.currency,
              "discount": mapped.header.get("discount") or "0", "notes": mapped.header.get("notes", "")[:2000], "source": source,
              "discount_tax_category": mapped.header.get("discount_tax_category") or "",
              "discount_tax_rate": mapped.header.get("discount_tax_rate")}  # fmt: skip
    if mapped.kind == Kind.CREDIT_NOTE:
        related = Invoice.objects.filter(direction=Direction.RECEIVED, company=supplier, kind=Kind.INVOICE,
                                         number=mapped.preceding_number).first() if mapped.preceding_number else None  # fmt: skip
        if related is None:
            message = "BillingReference: a credit note names the supplier's invoice it credits."
            raise EInvoiceNotImportable(message, field="BillingReference")
        lines = [{**ln, "order_line_id": None} for ln in mapped.lines]
        invoice = received_invoice_create(actor=actor, supplier=supplier, number=mapped.number, lines=lines, kind=Kind.CREDIT_NOTE,
                                          related_invoice=related, allow_discount=True, **header)  # fmt: skip
    else:
        order = _order_for(supplier, mapped.order_reference)
        requester = _requester(doc.buyer_reference) if order is None and not mapped.order_reference else None
        if order is not None:
            invoice = received_invoice_create(actor=actor, supplier=supplier, number=mapped.number, lines=_link_lines(doc, mapped, order),
                                              order=order, allow_discount=True, **header)  # fmt: skip
        elif requester is not None:
            invoice = retrofit_invoice_create(actor=actor, supplier=supplier, number=mapped.number, lines=mapped.lines, requester=requester,
                                              allow_discount=True, **header)  # fmt: skip
        else:
            invoice = received_invoice_create(actor=actor, supplier=supplier, number=mapped.number, lines=mapped.lines,
                                              allow_discount=True, **header)  # fmt: skip
    name = filename or f"{mapped.number}.xml"
    received_attachment_add(actor=actor, invoice=invoice, filename=name, content=xml, expect=AttachmentKind.XML)
    return invoice


@transaction.atomic
def received_einvoice_receive(*, actor: Any, xml: bytes, filename: str = "", supplier: Company | None = None) -> EInvoiceReceived:
    """Take in a supplier's e-invoice: booked as a received invoice, or waiting for AP to name its supplier."""
    doc = einvoice_read_valid(xml)
    if supplier is not None:
        _check_sender(doc.seller, supplier)
    supplier = supplier or supplier_for_party(doc.seller)
    if supplier is not None:
        return EInvoiceReceived(_book(actor=actor, supplier=supplier, xml=xml, doc=doc, filename=filename), None)
    mapped = einvoice_map(doc)  # what cannot be booked is refused now, not when AP links it
    digest = hashlib.sha256(xml).hexdigest()
    existing = EInvoiceIntake.objects.filter(sha256=digest, status=IntakeStatus.WAITING).first()
    if existing is not None:
        return EInvoiceReceived(None, existing)
    try:
        with transaction.atomic():
            intake = EInvoiceIntake.objects.create(
                xml=xml, sha256=digest, filename=(filename or "")[:200], syntax=doc.syntax.value, number=mapped.number,
                seller_name=(doc.seller.name or doc.seller.trading_name or "?")[:200], seller_vat=(doc.seller.vat_id or "")[:50],
                currency=mapped.currency, total=doc.totals.payable, order_reference=mapped.order_reference[:100],
                received_by=actor if getattr(actor, "pk", None) is not None else None,
            )  # fmt: skip
    except IntegrityError:
        return EInvoiceReceived(None, EInvoiceIntake.objects.get(sha256=digest, status=IntakeStatus.WAITING))
    audit_record(actor=actor, obj=intake, action="einvoice_intake.wait", after={"number": intake.number, "seller": intake.seller_name})
    return EInvoiceReceived(None, intake)


@transaction.atomic
def einvoice_intake_link(*, actor: Any, intake: EInvoiceIntake, supplier: Company) -> Invoice:
    """AP names the supplier of a waiting e-invoice: it is booked for that supplier (the same rules as on arrival)."""
    intake = lock_one(EInvoiceIntake, intake.pk)
    if intake.status != IntakeStatus.WAITING:
        raise Conflict(f"{intake} was booked already.", code="intake_booked")
    if not supplier.is_supplier:
        raise ValidationFailed(f"supplier: {supplier} is not a supplier.", field="supplier")
    xml = bytes(intake.xml)
    doc = einvoice_read_valid(xml)
    invoice = _book(actor=actor, supplier=supplier, xml=xml, doc=doc, filename=intake.filename)
    intake.status, intake.invoice = IntakeStatus.BOOKED, invoice
    intake.save(update_fields=["status", "invoice"])
    audit_record(actor=actor, obj=intake, action="einvoice_intake.link", after={"supplier": supplier.pk, "invoice": invoice.pk})
    return invoice
