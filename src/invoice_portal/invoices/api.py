"""Invoices, credit/debit notes and line disputes over the API.

Reads go through ``invoices_visible_to`` (via ``api.access``): seller staff with
``invoices.view`` see every issued document, company users what their role grants. Every
write is a transition from ``invoices.services``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
from invoice_portal.api.access import caller, get_invoice_for_seller, get_visible_invoice, may_see, require, visible_invoices
from invoice_portal.api.pagination import paginate
from invoice_portal.api.schemas import (
    CREATE_ERRORS,
    READ_ERRORS,
    READ_ONE_ERRORS,
    WRITE_ERRORS,
    AllocationIn,
    Amount,
    Currency,
    Cursor,
    Date,
    Id,
    Limit,
    Page,
    Quantity,
    Rate,
    SearchText,
    Text,
    Text100,
    Text500,
    money,
    plain_decimal,
    responses,
)
from invoice_portal.api.selectors import dispute_list
from invoice_portal.audit.api import AuditEventOut, audit_event_out
from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.companies.api import company_reference
from invoice_portal.core.errors import NotFound, PermissionDenied, ValidationFailed
from invoice_portal.core.money import minor_digits
from invoice_portal.documents.einvoice.api import XML_BODY_OPENAPI, xml_intake
from invoice_portal.invoices.models import Dispute, Invoice, Kind, TaxCategory
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list, invoice_summary_status, line_views, open_disputes
from invoice_portal.invoices.services import (
    credit_note_create,
    dispute_open,
    dispute_reject,
    dispute_resolve_by_credit,
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_issue,
    invoice_update,
)
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.invoices.wording import Wording, current_wording
from invoice_portal.orders.models import Order
from invoice_portal.payments.selectors import allocations_to

router = Router()
disputes_router = Router()

TaxCategoryCode = Literal["S", "Z", "E", "AE", "K", "G", "O", "L", "M"]
InvoiceSort = Literal[
    "issue_date", "-issue_date", "due_date", "-due_date", "number", "-number",
    "total", "-total", "balance", "-balance", "customer", "-customer",
]  # fmt: skip
assert set(TaxCategoryCode.__args__) == set(TaxCategory.values)  # type: ignore[attr-defined]


# --- Schemas -----------------------------------------------------------------------------------------


class InvoiceLineIn(Schema):
    kind: Literal["item", "cost"] = "item"
    description: Text500 = Field(min_length=1)
    quantity: Quantity = "1"
    unit_price: Amount
    tax_rate: Rate = "0"
    tax_category: TaxCategoryCode | None = Field(None, description="UNCL5305 VAT category; defaults to S, or Z for a 0 % rate")
    discount: Amount = Field("0", description="Line allowance, net")
    sku: Text100 = ""
    unit_code: str = Field("C62", pattern=r"^[A-Z0-9]{1,3}$", description="UN/ECE Rec 20 unit code")


class InvoiceCreate(Schema):
    company: Id
    kind: Literal["invoice", "credit_note", "debit_note"] = "invoice"
    currency: Currency | None = Field(None, description="Defaults to the company's currency")
    issue_date: Date | None = None
    due_date: Date | None = None
    service_start: Date | None = None
    service_end: Date | None = None
    order: Id | None = None
    related_invoice: Id | None = Field(None, description="The invoice a credit or debit note refers to")
    external_id: Text100 | None = None
    source: Literal["order", "manual", "erp", "csv", "ubl", "cii", "api", "supplier_portal"] = "api"
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=1000)
    discount: Amount = Field("0", description="Document-level allowance, net")
    discount_tax_category: TaxCategoryCode | None = None
    discount_tax_rate: Rate | None = None
    po_number: Text100 = ""
    notes: Text = ""
    payment_instructions: Text = ""
    issue: bool = Field(False, description="Issue at once (needs invoices.issue); otherwise a draft is created")


class InvoicePatch(Schema):
    """Fields sent are changed; ``lines`` replaces every line."""

    lines: list[InvoiceLineIn] | None = Field(None, max_length=1000)
    issue_date: Date | None = None
    due_date: Date | None = None
    service_start: Date | None = None
    service_end: Date | None = None
    discount: Amount | None = None
    discount_tax_category: TaxCategoryCode | None = None
    discount_tax_rate: Rate | None = None
    po_number: Text100 | None = None
    notes: Text | None = None
    payment_instructions: Text | None = None


class IssueIn(Schema):
    issue_date: Date | None = Field(None, description="Defaults to the draft's issue date, else today")


class CancelIn(Schema):
    reason: Text500 = ""


class CreditLineIn(Schema):
    line: int = Field(ge=1, le=100_000, description="Line number on the invoice")
    quantity: Quantity | None = Field(None, description="Part of the line's quantity; the whole line when omitted")


class CreditNoteIn(Schema):
    """Credit the whole invoice (neither ``lines`` nor ``amount``), some lines, or a net amount."""

    lines: list[CreditLineIn] | None = Field(None, max_length=1000)
    amount: Amount | None = Field(None, description="A net amount to credit")
    tax_category: TaxCategoryCode | None = Field(None, description="VAT of the amount, when the invoice has several rates")
    tax_rate: Rate | None = None
    description: Text500 = ""
    notes: Text = ""
    issue: bool = True
    apply: bool = Field(True, description="Apply the credit to the invoice's balance at once")


class ApplyCreditIn(Schema):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=1000)


class DisputeIn(Schema):
    reason: Literal["price", "quantity", "damaged", "not_received", "duplicate", "other"]
    text: Text = Field(min_length=1)


class ResolveIn(Schema):
    resolution: Literal["credit", "reject"]
    comment: Text = ""
    amount: Amount | None = Field(None, description="With credit: a net amount at the line's VAT rate instead of the whole line")


class LineOut(Schema):
    id: int
    line_no: int
    kind: str
    sku: str
    description: str
    quantity: str
    unit_code: str
    unit_price: str
    discount: str
    tax_category: str
    tax_rate: str
    net_amount: str
    gross_amount: str
    status: str = Field(description="The line's customer status: new, paid or disputed")
    status_label: str
    customer_status: str = Field(description="What the buyer has done: new, paid or disputed (seed 004, table 4)")
    enterprise_status: str = Field(description="Whether the seller has the money: new, payment_received or disputed")


class TaxOut(Schema):
    category: str
    rate: str
    base: str
    tax: str


class AllocationHistoryOut(Schema):
    id: int
    payment: int | None
    credit_note: int | None
    credit_note_number: str | None
    amount: str
    method: str | None
    reference: str | None
    received_on: dt.date | None
    created_at: dt.datetime


class DisputeOut(Schema):
    id: int
    invoice: int
    line: int = Field(description="Line number on the invoice")
    reason: str
    text: str
    status: str
    resolution_comment: str
    credit_note: int | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class InvoiceListItem(Schema):
    id: int
    number: str | None
    kind: str
    direction: str
    source: str
    status: str
    status_label: str = Field(
        description='The status in the words the Admin gave it (seed 003); an issued zero-total document reads "Nothing to pay"'
    )
    kind_label: str = Field(description="The document type in the words the Admin gave it (seed 003)")
    company: int
    company_name: str
    order: int | None
    order_external_id: str | None
    external_id: str | None
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    total: str
    allocated_total: str
    balance: str
    is_overdue: bool
    has_open_dispute: bool
    created_at: dt.datetime


class InvoiceDetail(InvoiceListItem):
    summary_status: str
    related_invoice: int | None
    po_number: str
    service_start: dt.date | None
    service_end: dt.date | None
    notes: str
    payment_instructions: str
    discount: str
    discount_tax_category: str
    discount_tax_rate: str | None
    line_net_total: str
    allowance_total: str
    tax_exclusive_total: str
    tax_total: str
    version: int
    issued_at: dt.datetime | None
    canceled_at: dt.datetime | None
    lines: list[LineOut]
    tax_breakdown: list[TaxOut]
    allocations: list[AllocationHistoryOut] | None = Field(description="Payment history; null when the caller may not see it")
    disputes: list[DisputeOut]
    audit: list[AuditEventOut] | None = Field(description="Change history; seller staff only")


class InvoiceFilterQuery(Schema):
    """The dashboard filters, shared by the list and the CSV export."""

    number: SearchText = Field("", description="Number starts with")
    customer: SearchText = Field("", description="Company name (contains) or external id (exact)")
    company: Id | None = None
    order: SearchText = Field("", description="Order id or the order's external id")
    status: Literal["", "draft", "open", "partially_paid", "paid", "canceled"] = ""
    kind: Literal["", "invoice", "credit_note", "debit_note"] = ""
    direction: Literal["", "issued", "received"] = ""
    source: Literal["", "order", "manual", "erp", "csv", "ubl", "cii", "api", "supplier_portal"] = ""
    issued_from: Date | None = None
    issued_to: Date | None = None
    due_from: Date | None = None
    due_to: Date | None = None
    overdue: bool | None = None
    disputed: bool | None = None
    tab: Literal["", "web", "erp"] = Field("", description="web: store orders; erp: ERP and CSV invoices")
    sort: InvoiceSort = "-issue_date"


class InvoiceQuery(InvoiceFilterQuery):
    limit: Limit = 50
    cursor: Cursor | None = None


class DisputeQuery(Schema):
    status: Literal["", "open", "credited", "rejected"] = ""
    invoice: Id | None = None
    company: Id | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


# --- Serialization ------------------------------------------------------------------------------------


def invoice_item(invoice: Invoice, wording: Wording | None = None) -> dict[str, Any]:
    """``wording``: the Admin's words read once for a whole list (``current_wording``); read here when absent."""
    c = invoice.currency
    wording = wording if wording is not None else current_wording()
    has_dispute = getattr(invoice, "has_open_dispute", None)
    if has_dispute is None:
        has_dispute = open_disputes().filter(invoice=invoice).exists()
    return {
        "id": invoice.pk, "number": invoice.number, "kind": invoice.kind, "direction": invoice.direction,
        "source": invoice.source, "status": invoice.status, "status_label": wording.of(invoice),
        "kind_label": wording.kind(invoice.kind), "company": invoice.company_id,
        "company_name": invoice.company.name, "order": invoice.order_id,
        "order_external_id": invoice.order.external_id if invoice.order is not None else None,
        "external_id": invoice.external_id, "currency": c, "issue_date": invoice.issue_date, "due_date": invoice.due_date,
        "total": money(invoice.total, c), "allocated_total": money(invoice.allocated_total, c), "balance": money(invoice.balance, c),
        "is_overdue": invoice.is_overdue, "has_open_dispute": bool(has_dispute), "created_at": invoice.created_at,
    }  # fmt: skip


def dispute_out(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": dispute.pk, "invoice": dispute.invoice_id, "line": dispute.line.line_no, "reason": dispute.reason, "text": dispute.text,
        "status": dispute.status, "resolution_comment": dispute.resolution_comment, "credit_note": dispute.credit_note_id,
        "created_at": dispute.created_at, "resolved_at": dispute.resolved_at,
    }  # fmt: skip


def invoice_detail(invoice: Invoice, user: Any, *, created: bool = False) -> dict[str, Any]:
    """Everything about one document the caller may see (payment history and audit only with their grants).

    ``created``: the caller has just made the document, which still holds the lines it was
    written with, and nothing (no payment, credit note or dispute) can refer to it yet.
    """
    c = invoice.currency
    seller = user.is_seller_staff
    wording = current_wording()
    views = line_views(invoice, invoice.lines.all()) if created else line_views(invoice)
    lines = [
        {
            "id": v.line.pk, "line_no": v.line.line_no, "kind": v.line.kind, "sku": v.line.sku, "description": v.line.description,
            "quantity": plain_decimal(v.line.quantity), "unit_code": v.line.unit_code,
            "unit_price": plain_decimal(v.line.unit_price, min_places=minor_digits(c)), "discount": money(v.line.discount, c),
            "tax_category": v.line.tax_category, "tax_rate": plain_decimal(v.line.tax_rate), "net_amount": money(v.line.net_amount, c),
            "gross_amount": money(v.gross, c), "status": v.code, "status_label": v.seller_status if seller else v.customer_status,
            "customer_status": v.code, "enterprise_status": v.enterprise_code,
        }
        for v in views
    ]  # fmt: skip
    totals = compute_totals(
        (LineInput(v.line.quantity, v.line.unit_price, v.line.discount, v.line.tax_category, v.line.tax_rate) for v in views),
        currency=c, discount=invoice.discount, discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )  # fmt: skip
    allocations = None
    if seller or may_see(user, invoice, "portal.payment_history"):
        allocations = [] if created else [
            {
                "id": a.pk, "payment": a.payment_id, "credit_note": a.credit_note_id,
                "credit_note_number": a.credit_note.number if a.credit_note is not None else None, "amount": money(a.amount, c),
                "method": a.payment.method if a.payment is not None else None,
                "reference": a.payment.reference if a.payment is not None else None,
                "received_on": a.payment.received_on if a.payment is not None else None, "created_at": a.created_at,
            }
            for a in allocations_to(invoice)
        ]  # fmt: skip
    disputes = [] if created else [dispute_out(d) for d in invoice.disputes.select_related("line").order_by("created_at", "pk")]
    has_open = any(d["status"] == "open" for d in disputes)
    invoice.has_open_dispute = has_open  # type: ignore[attr-defined]
    return {
        **invoice_item(invoice, wording),
        "summary_status": invoice_summary_status(invoice, views, wording), "related_invoice": invoice.related_invoice_id,
        "po_number": invoice.po_number, "service_start": invoice.service_start, "service_end": invoice.service_end,
        "notes": invoice.notes, "payment_instructions": invoice.payment_instructions, "discount": money(invoice.discount, c),
        "discount_tax_category": invoice.discount_tax_category, "discount_tax_rate": plain_decimal(invoice.discount_tax_rate),
        "line_net_total": money(invoice.line_net_total, c), "allowance_total": money(invoice.allowance_total, c),
        "tax_exclusive_total": money(invoice.tax_exclusive_total, c), "tax_total": money(invoice.tax_total, c),
        "version": invoice.version, "issued_at": invoice.issued_at, "canceled_at": invoice.canceled_at, "lines": lines,
        "tax_breakdown": [
            {"category": b.category, "rate": plain_decimal(b.rate), "base": money(b.base, c), "tax": money(b.tax, c)}
            for b in totals.breakdown
        ],
        "allocations": allocations, "disputes": disputes,
        "audit": [audit_event_out(e) for e in audit_events_for(invoice).order_by("at", "pk")] if seller else None,
    }  # fmt: skip


def reload(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_related("company", "order").get(pk=invoice.pk)


def line_dicts(lines: list[InvoiceLineIn]) -> list[dict[str, Any]]:
    """Lines as the domain takes them; an absent tax category is left to the domain's default."""
    return [line.model_dump(exclude_none=True) for line in lines]


def _header(data: dict[str, Any]) -> dict[str, Any]:
    if "discount_tax_rate" in data and data["discount_tax_rate"] is None:
        data["discount_tax_rate"] = ""
    if "discount_tax_category" in data and data["discount_tax_category"] is None:
        data["discount_tax_category"] = ""
    if "discount" in data and data["discount"] is None:
        raise ValidationFailed('discount: may not be null; send "0" for none.', field="discount")
    return data


def _invoice_reference(request: HttpRequest, invoice_id: int, *, field: str) -> Invoice:
    invoice = visible_invoices(request).filter(pk=invoice_id).first()
    if invoice is None:
        raise ValidationFailed(f"{field}: no invoice {invoice_id}.", field=field)
    return invoice


# --- Invoices ---------------------------------------------------------------------------------------------


@router.get("", response=responses({200: Page[InvoiceListItem]}, READ_ERRORS), summary="List invoices (dashboard filters)")
def list_invoices(request: HttpRequest, filters: Query[InvoiceQuery]) -> dict[str, Any]:
    scope = visible_invoices(request, buyer_perm="portal.view")
    data = filters.model_dump(exclude={"limit", "cursor", "company"})
    rows, cursor = paginate(
        invoice_list(scope, InvoiceFilters(company_id=filters.company, **data)), cursor=filters.cursor, limit=filters.limit
    )
    wording = current_wording()
    return {"items": [invoice_item(i, wording) for i in rows], "next_cursor": cursor}


@router.post(
    "",
    response=responses({200: InvoiceDetail, 201: InvoiceDetail}, (*CREATE_ERRORS, 413)),
    summary="Create an invoice with its lines (JSON), or import one the ERP issued (UBL/CII XML)",
    openapi_extra=XML_BODY_OPENAPI,
)
@decorate_view(xml_intake)
def create_invoice(request: HttpRequest, payload: InvoiceCreate) -> Status:
    user = require(request, "invoices.create", *(["invoices.issue"] if payload.issue else []))
    data = payload.model_dump(exclude_unset=True, exclude={"company", "lines", "order", "related_invoice", "issue", "kind", "source"})
    company = company_reference(payload.company)
    order = None
    if payload.order is not None:
        order = Order.objects.filter(pk=payload.order).first()
        if order is None:
            raise ValidationFailed(f"order: no order {payload.order}.", field="order")
    related = _invoice_reference(request, payload.related_invoice, field="related_invoice") if payload.related_invoice else None
    invoice = invoice_create(
        actor=user, company=company, lines=line_dicts(payload.lines), kind=payload.kind, source=payload.source,
        order=order, related_invoice=related, issue=payload.issue, **_header(data),
    )  # fmt: skip
    # The document as just written, with its company, order and lines: reading it back would give the same.
    return Status(201, invoice_detail(invoice, user, created=True))


@router.get("/{invoice_id}", response=responses({200: InvoiceDetail}, READ_ONE_ERRORS), summary="Get an invoice")
def get_invoice(request: HttpRequest, invoice_id: Id) -> dict[str, Any]:
    invoice = get_visible_invoice(request, invoice_id, buyer_perm="portal.detail")
    return invoice_detail(invoice, caller(request))


@router.patch("/{invoice_id}", response=responses({200: InvoiceDetail}, WRITE_ERRORS), summary="Edit lines and header fields")
def update_invoice(request: HttpRequest, invoice_id: Id, payload: InvoicePatch) -> dict[str, Any]:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.edit")
    data = payload.model_dump(exclude_unset=True, exclude={"lines"})
    lines = line_dicts(payload.lines) if payload.lines is not None else None
    invoice = invoice_update(actor=caller(request), invoice=invoice, lines=lines, **_header(data))
    return invoice_detail(reload(invoice), caller(request))


@router.delete(
    "/{invoice_id}",
    response=responses({200: InvoiceDetail, 204: None}, WRITE_ERRORS),
    summary="Delete a draft (204) or cancel an open invoice (200); nothing else",
)
def delete_invoice(request: HttpRequest, invoice_id: Id) -> Status | HttpResponse:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.delete")
    result = invoice_delete(actor=caller(request), invoice=invoice)
    if result is None:
        return HttpResponse(status=204)
    return Status(200, invoice_detail(reload(result), caller(request)))


@router.post("/{invoice_id}/issue", response=responses({200: InvoiceDetail}, WRITE_ERRORS), summary="Issue a draft (assigns its number)")
def issue_invoice(request: HttpRequest, invoice_id: Id, payload: IssueIn | None = None) -> dict[str, Any]:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.issue")
    invoice = invoice_issue(actor=caller(request), invoice=invoice, issue_date=payload.issue_date if payload else None)
    return invoice_detail(reload(invoice), caller(request))


@router.post("/{invoice_id}/cancel", response=responses({200: InvoiceDetail}, WRITE_ERRORS), summary="Cancel an open invoice")
def cancel_invoice(request: HttpRequest, invoice_id: Id, payload: CancelIn | None = None) -> dict[str, Any]:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.delete")
    invoice = invoice_cancel(actor=caller(request), invoice=invoice, reason=payload.reason if payload else "")
    return invoice_detail(reload(invoice), caller(request))


@router.post(
    "/{invoice_id}/credit-note",
    response=responses({201: InvoiceDetail}, WRITE_ERRORS),
    summary="Credit an invoice: whole, some lines, or an amount",
)
def credit_invoice(request: HttpRequest, invoice_id: Id, payload: CreditNoteIn) -> Status:
    invoice = get_invoice_for_seller(request, invoice_id, "memos.create")
    lines = None
    if payload.lines is not None:
        by_number = {ln.line_no: ln.pk for ln in invoice.lines.all()}
        lines = {}
        for i, item in enumerate(payload.lines):
            if item.line not in by_number:
                raise ValidationFailed(f"lines[{i}].line: {invoice} has no line {item.line}.", field=f"lines[{i}].line")
            lines[by_number[item.line]] = item.quantity
    credit = credit_note_create(
        actor=caller(request), invoice=invoice, lines=lines, amount=payload.amount, tax_category=payload.tax_category or "",
        tax_rate=payload.tax_rate, description=payload.description, notes=payload.notes, issue=payload.issue, apply=payload.apply,
    )  # fmt: skip
    return Status(201, invoice_detail(reload(credit), caller(request)))


@router.post(
    "/{invoice_id}/apply-credit",
    response=responses({200: InvoiceDetail}, WRITE_ERRORS),
    summary="Apply an issued credit note's remaining credit to open invoices",
)
def apply_credit(request: HttpRequest, invoice_id: Id, payload: ApplyCreditIn) -> dict[str, Any]:
    from invoice_portal.payments.services import credit_note_apply

    credit = get_invoice_for_seller(request, invoice_id, "memos.create")
    if credit.kind != Kind.CREDIT_NOTE:
        raise ValidationFailed(f"{credit} is not a credit note.", field="invoice_id")
    credit = credit_note_apply(actor=caller(request), credit_note=credit, allocations=[a.model_dump() for a in payload.allocations])
    return invoice_detail(reload(credit), caller(request))


@router.post(
    "/{invoice_id}/lines/{line_no}/dispute",
    response=responses({201: DisputeOut}, WRITE_ERRORS),
    summary="Dispute a line (buyers with portal.dispute)",
)
def dispute_line(request: HttpRequest, invoice_id: Id, line_no: int, payload: DisputeIn) -> Status:
    user = caller(request)
    if user.is_seller_staff or user_perm_level(user, "portal.dispute") is None:
        raise PermissionDenied("Only the customer's users with the dispute permission dispute lines.")
    invoice = get_visible_invoice(request, invoice_id, buyer_perm="portal.dispute")
    line = invoice.lines.filter(line_no=line_no).first() if 0 < line_no < 2**31 else None
    if line is None:
        raise NotFound(f"{invoice} has no line {line_no}.")
    dispute = dispute_open(actor=user, line=line, reason=payload.reason, text=payload.text)
    return Status(201, dispute_out(dispute))


# --- Disputes (seller side) ---------------------------------------------------------------------------------


@disputes_router.get("", response=responses({200: Page[DisputeOut]}, READ_ERRORS), summary="List disputes")
def list_disputes(request: HttpRequest, filters: Query[DisputeQuery]) -> dict[str, Any]:
    require(request, "invoices.view")
    rows, cursor = paginate(
        dispute_list(status=filters.status, invoice_id=filters.invoice, company_id=filters.company),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [dispute_out(d) for d in rows], "next_cursor": cursor}


def _get_dispute(dispute_id: int) -> Dispute:
    dispute = dispute_list().filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound(f"No dispute {dispute_id}.")
    return dispute


@disputes_router.get("/{dispute_id}", response=responses({200: DisputeOut}, READ_ONE_ERRORS), summary="Get a dispute")
def get_dispute(request: HttpRequest, dispute_id: Id) -> dict[str, Any]:
    require(request, "invoices.view")
    return dispute_out(_get_dispute(dispute_id))


@disputes_router.post(
    "/{dispute_id}/resolve",
    response=responses({200: DisputeOut}, WRITE_ERRORS),
    summary="Resolve a dispute by credit note or reject it with a comment",
)
def resolve_dispute(request: HttpRequest, dispute_id: Id, payload: ResolveIn) -> dict[str, Any]:
    user = require(request, "disputes.resolve")
    dispute = _get_dispute(dispute_id)
    if payload.resolution == "reject":
        if payload.amount is not None:
            raise ValidationFailed("amount: only a credit resolution takes an amount.", field="amount")
        dispute = dispute_reject(actor=user, dispute=dispute, comment=payload.comment)
    else:
        if not user_has_perm(user, "memos.create"):
            raise PermissionDenied("Resolving by credit note also needs memos.create.")
        dispute = dispute_resolve_by_credit(actor=user, dispute=dispute, amount=payload.amount, comment=payload.comment)
    return dispute_out(_get_dispute(dispute.pk))
