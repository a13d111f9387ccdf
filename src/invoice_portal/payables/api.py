"""Accounts payable over the API: purchase orders, receipts, received invoices.

AP staff act under their permission codes (``ap.view`` to read, ``ap.receive`` to record
receipts, ``ap.enter`` to enter invoices; pushing purchase orders is an ERP integration and
needs ``integrations.manage``). A supplier's token reads and submits only its own company's
purchase orders and invoices (another company's: 404). Buyers get 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from invoice_portal.accounts.models import User
from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.api.access import caller, require
from invoice_portal.api.auth import request_token
from invoice_portal.api.pagination import paginate
from invoice_portal.api.problems import from_domain_error
from invoice_portal.api.schemas import (
    CREATE_ERRORS,
    READ_ERRORS,
    READ_ONE_ERRORS,
    WRITE_ERRORS,
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
    Text50,
    Text100,
    Text500,
    money,
    plain_decimal,
    responses,
)
from invoice_portal.companies.api import company_reference
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from invoice_portal.core.money import minor_digits
from invoice_portal.documents.einvoice.api import is_xml
from invoice_portal.documents.einvoice.parse import MAX_BYTES, EInvoiceTooLarge
from invoice_portal.invoices.api import TaxCategoryCode
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.orders.models import Order
from invoice_portal.payables import selectors
from invoice_portal.payables.services import (
    purchase_order_close,
    purchase_order_upsert,
    receipt_record,
    received_invoice_cancel,
    received_invoice_create,
    retrofit_invoice_create,
)
from invoice_portal.payables.services.einvoice import received_einvoice_receive

purchase_orders_router = Router()
receipts_router = Router()
received_router = Router()

ApStatusCode = Literal[
    "", "draft", "pending_initial_acceptance", "pending_receiving", "on_hold", "pending_order_acceptance",
    "pending_delegated_approval", "accepted", "rejected", "downloaded", "canceled",
]  # fmt: skip
assert set(ApStatusCode.__args__) - {""} == set(ReceivedStatus.values)  # type: ignore[attr-defined]
UnitCode = Field("C62", pattern=r"^[A-Z0-9]{1,3}$", description="UN/ECE Rec 20 unit code (C62 one, HUR hour, KGM kilogram)")


# --- Access ------------------------------------------------------------------------------------------


def _reader(request: HttpRequest) -> User:
    """AP staff with ``ap.view`` or a supplier user with ``supplier.view``; anyone else 403."""
    user = caller(request)
    if user.is_seller_staff:
        return require(request, "ap.view")
    if not user_has_perm(user, "supplier.view"):
        raise PermissionDenied("Only AP staff and the supplier's own users may see this (supplier.view).")
    return user


def _visible_po(user: User, order_id: int) -> Order:
    order = selectors.purchase_order_for(user, order_id)
    if order is None:
        raise NotFound(f"No purchase order {order_id} that you can see.")
    return order


def _visible_invoice(user: User, invoice_id: int) -> Invoice:
    invoice = selectors.received_invoice_for(user, invoice_id)
    if invoice is None:
        raise NotFound(f"No received invoice {invoice_id} that you can see.")
    return invoice


def _staff_user(email: str | None, field: str) -> User | None:
    if not email:
        return None
    user = selectors.staff_member_by_email(email)
    if user is None:
        raise ValidationFailed(f"{field}: no active staff member {email}.", field=field)
    return user


# --- Schemas -----------------------------------------------------------------------------------------


class PoLineIn(Schema):
    sku: Text100 = ""
    description: Text500 = Field(min_length=1)
    quantity: Quantity = "1"
    unit_code: str = UnitCode
    unit_price: Amount
    tax_rate: Rate = "0"
    tax_category: TaxCategoryCode | None = None


class PurchaseOrderIn(Schema):
    source: Literal["api", "erp", "csv"] = "erp"
    external_id: Text100 = Field(min_length=1, description="The ERP's id of the order; a second POST with it updates the order")
    number: Text100 = Field("", description="The PO number the supplier quotes; defaults to external_id")
    supplier: Id
    requester_email: Text100 | None = Field(None, description="The staff member who asked for it")
    currency: Currency | None = None
    order_date: Date | None = None
    no_invoice_expected: bool = Field(False, description="A non-invoice order (paid by card, say): invoices on it are never paid")
    lines: list[PoLineIn] = Field(min_length=1, max_length=1000)


class PoLineOut(Schema):
    id: int
    line_no: int
    sku: str
    description: str
    quantity: str
    unit_code: str
    unit_price: str
    tax_category: str
    tax_rate: str
    received: str
    invoiced: str


class ReceiptOut(Schema):
    id: int
    order_line: int
    line_no: int
    quantity: str
    received_on: dt.date
    reference: str
    over_receipt_reason: str


class PurchaseOrderOut(Schema):
    id: int
    number: str
    external_id: str
    source: str
    supplier: int
    supplier_name: str
    requester: int | None
    status: str
    no_invoice_expected: bool
    currency: str
    order_date: dt.date
    total: str


class PurchaseOrderDetail(PurchaseOrderOut):
    lines: list[PoLineOut]
    receipts: list[ReceiptOut]
    invoices: list[int]


class PoQuery(Schema):
    q: SearchText = Field("", description="PO number or supplier name (contains), or external id (exact)")
    status: Literal["", "open", "partly_received", "received", "closed", "canceled"] = ""
    supplier: Id | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class ReceiptLineIn(Schema):
    order_line: Id
    quantity: Quantity


class ReceiptIn(Schema):
    purchase_order: Id
    received_on: Date | None = None
    reference: Text100 = Field("", description="Delivery note number; made up when empty")
    over_receipt_reason: Text500 = Field("", description="Required to receive more than ordered")
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=1000)


class ReceivedLineIn(Schema):
    description: Text500 = Field(min_length=1)
    quantity: Quantity = "1"
    unit_code: str = UnitCode
    unit_price: Amount
    tax_rate: Rate = "0"
    tax_category: TaxCategoryCode | None = None
    sku: Text100 = ""
    order_line: Id | None = Field(None, description="The line of the purchase order this line bills")


class ReceivedInvoiceIn(Schema):
    """With ``purchase_order``: a PO flip. Without one: a retrofit invoice (``requester_email`` required)."""

    number: Text50 = Field(min_length=1, description="The supplier's own invoice number (unique per supplier)")
    supplier: Id | None = Field(None, description="AP staff: the supplier; a supplier's token: its own company (may be omitted)")
    purchase_order: Id | None = None
    requester_email: Text100 | None = Field(None, description="Retrofit: the staff member who accepts the retrofit order")
    kind: Literal["invoice", "credit_note"] = "invoice"
    related_invoice: Id | None = Field(None, description="Credit invoice: the received invoice it credits")
    issue_date: Date | None = None
    due_date: Date | None = None
    currency: Currency | None = None
    discount: Amount = Field("0", description="Invoice discount (needs the AP discount setting): gross − discount = net payable")
    notes: Text = ""
    lines: list[ReceivedLineIn] = Field(min_length=1, max_length=1000)


class CancelIn(Schema):
    reason: Text500 = ""


class ReceivedLineOut(Schema):
    line_no: int
    description: str
    quantity: str
    unit_code: str
    unit_price: str
    tax_rate: str
    net_amount: str
    order_line: int | None


class ReceivedInvoiceOut(Schema):
    id: int
    kind: str
    number: str
    supplier: int
    supplier_name: str
    purchase_order: int | None
    po_number: str
    source: str
    status: str = Field(description="AP status (pending_receiving, on_hold, accepted, …)")
    status_label: str
    reason: str = Field(description="Why it is on hold, pending or rejected")
    issue_date: dt.date | None
    due_date: dt.date | None
    currency: str
    gross_total: str = Field(description="Sum of the line nets, before the invoice discount (what matching uses)")
    discount: str
    net_total: str = Field(description="Tax-exclusive amount after the discount")
    tax_total: str
    total: str = Field(description="Payable, tax included")
    balance: str
    non_invoice_order: bool
    submitted_at: dt.datetime | None


class ReceivedInvoiceDetail(ReceivedInvoiceOut):
    related_invoice: int | None
    lines: list[ReceivedLineOut]


class ReceivedQuery(Schema):
    status: ApStatusCode = ""
    supplier: SearchText = Field("", description="Supplier name (contains) or external id (exact)")
    po: SearchText = ""
    number: SearchText = ""
    date_from: Date | None = None
    date_to: Date | None = None
    amount_min: Amount | None = None
    amount_max: Amount | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


# --- Serializers -------------------------------------------------------------------------------------


def po_out(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk, "number": order.po_number, "external_id": order.external_id, "source": order.source,
        "supplier": order.company_id, "supplier_name": order.company.name, "requester": order.requester_id, "status": order.po_status,
        "no_invoice_expected": order.no_invoice_expected, "currency": order.currency, "order_date": order.order_date,
        "total": money(order.total, order.currency),
    }  # fmt: skip


def po_detail(order: Order, invoices: QuerySet[Invoice]) -> dict[str, Any]:
    digits = minor_digits(order.currency)
    return {
        **po_out(order),
        "lines": [
            {"id": v.line.pk, "line_no": v.line.line_no, "sku": v.line.sku, "description": v.line.description,
             "quantity": plain_decimal(v.line.quantity), "unit_code": v.line.unit_code,
             "unit_price": plain_decimal(v.line.unit_price, min_places=digits), "tax_category": v.line.tax_category,
             "tax_rate": plain_decimal(v.line.tax_rate), "received": plain_decimal(v.received), "invoiced": plain_decimal(v.invoiced)}
            for v in selectors.po_line_views(order)
        ],
        "receipts": [
            {"id": r.pk, "order_line": r.order_line_id, "line_no": r.order_line.line_no, "quantity": plain_decimal(r.quantity),
             "received_on": r.received_on, "reference": r.reference, "over_receipt_reason": r.over_receipt_reason}
            for r in selectors.po_receipts(order)
        ],
        "invoices": [i.pk for i in selectors.po_invoices(order, invoices)],
    }  # fmt: skip


def received_out(invoice: Invoice) -> dict[str, Any]:
    c = invoice.currency
    order = invoice.order
    return {
        "id": invoice.pk, "kind": invoice.kind, "number": invoice.number or "", "supplier": invoice.company_id,
        "supplier_name": invoice.company.name, "purchase_order": invoice.order_id, "po_number": order.po_number if order else "",
        "source": invoice.source, "status": invoice.ap_status, "status_label": invoice.get_ap_status_display(),
        "reason": invoice.ap_reason, "issue_date": invoice.issue_date, "due_date": invoice.due_date, "currency": c,
        "gross_total": money(invoice.line_net_total, c), "discount": money(invoice.allowance_total, c),
        "net_total": money(invoice.tax_exclusive_total, c), "tax_total": money(invoice.tax_total, c), "total": money(invoice.total, c),
        "balance": money(invoice.balance, c), "non_invoice_order": bool(order and order.no_invoice_expected),
        "submitted_at": invoice.submitted_at,
    }  # fmt: skip


def received_detail(invoice: Invoice) -> dict[str, Any]:
    c = invoice.currency
    return {
        **received_out(invoice),
        "related_invoice": invoice.related_invoice_id,
        "lines": [
            {"line_no": ln.line_no, "description": ln.description, "quantity": plain_decimal(ln.quantity), "unit_code": ln.unit_code,
             "unit_price": plain_decimal(ln.unit_price, min_places=minor_digits(c)), "tax_rate": plain_decimal(ln.tax_rate),
             "net_amount": money(ln.net_amount, c), "order_line": ln.order_line_id}
            for ln in invoice.lines.all()
        ],
    }  # fmt: skip


# --- Purchase orders ---------------------------------------------------------------------------------


@purchase_orders_router.get("", response=responses({200: Page[PurchaseOrderOut]}, READ_ERRORS), summary="List purchase orders")
def list_purchase_orders(request: HttpRequest, filters: Query[PoQuery]) -> dict[str, Any]:
    user = _reader(request)
    qs = selectors.purchase_order_list(selectors.purchase_orders_visible_to(user), q=filters.q, status=filters.status,
                                       supplier_id=filters.supplier)  # fmt: skip
    rows, cursor = paginate(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [po_out(o) for o in rows], "next_cursor": cursor}


@purchase_orders_router.post(
    "",
    response=responses({200: PurchaseOrderDetail, 201: PurchaseOrderDetail}, CREATE_ERRORS),
    summary="Create or update the purchase order known as (source, external_id): 201 when created, 200 when updated",
)
def upsert_purchase_order(request: HttpRequest, payload: PurchaseOrderIn) -> Status:
    user = require(request, "integrations.manage")
    supplier = company_reference(payload.supplier, field="supplier")
    order, created = purchase_order_upsert(
        actor=user, source=payload.source, external_id=payload.external_id, supplier=supplier, number=payload.number,
        lines=[ln.model_dump(exclude_none=True) for ln in payload.lines], currency=payload.currency, order_date=payload.order_date,
        requester=_staff_user(payload.requester_email, "requester_email"), no_invoice_expected=payload.no_invoice_expected,
    )  # fmt: skip
    return Status(201 if created else 200, po_detail(_visible_po(user, order.pk), selectors.received_invoices_visible_to(user)))


@purchase_orders_router.get(
    "/{order_id}", response=responses({200: PurchaseOrderDetail}, READ_ONE_ERRORS), summary="A purchase order with receipts and invoices"
)
def get_purchase_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    user = _reader(request)
    return po_detail(_visible_po(user, order_id), selectors.received_invoices_visible_to(user))


@purchase_orders_router.post(
    "/{order_id}/close", response=responses({200: PurchaseOrderDetail}, WRITE_ERRORS),
    summary="Close a purchase order: nothing more is expected on it (final)",
)  # fmt: skip
def close_purchase_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    user = require(request, "ap.enter")
    order = purchase_order_close(actor=user, order=_visible_po(user, order_id))
    return po_detail(_visible_po(user, order.pk), selectors.received_invoices_visible_to(user))


@purchase_orders_router.post(
    "/{order_id}/cancel", response=responses({200: PurchaseOrderDetail}, WRITE_ERRORS),
    summary="Cancel a purchase order: only while nothing was received and no invoice points at it (409 otherwise)",
)  # fmt: skip
def cancel_purchase_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    user = require(request, "ap.enter")
    order = purchase_order_close(actor=user, order=_visible_po(user, order_id), cancel=True)
    return po_detail(_visible_po(user, order.pk), selectors.received_invoices_visible_to(user))


# --- Receipts ----------------------------------------------------------------------------------------


@receipts_router.post("", response=responses({201: PurchaseOrderDetail}, WRITE_ERRORS), summary="Record goods received against PO lines")
def record_receipt(request: HttpRequest, payload: ReceiptIn) -> Status:
    user = require(request, "ap.receive")
    order = _visible_po(user, payload.purchase_order)
    receipt_record(
        actor=user, order=order, lines=[ln.model_dump() for ln in payload.lines], received_on=payload.received_on,
        reference=payload.reference, over_receipt_reason=payload.over_receipt_reason,
    )  # fmt: skip
    return Status(201, po_detail(_visible_po(user, order.pk), selectors.received_invoices_visible_to(user)))


# --- E-invoices (XML body of POST /received-invoices) ---------------------------------------------------

RECEIVED_XML_OPENAPI = {
    "requestBody": {
        "content": {
            "application/xml": {
                "schema": {"type": "string", "format": "binary"},
                "description": "A supplier's UBL 2.1 Invoice or CreditNote, or a CII CrossIndustryInvoice (validated by EN 16931)",
            },
        }
    },
    "responses": {"202": {"description": "The sender is not a supplier of ours yet: the document waits in the AP inbox"}},
}


def received_xml_intake(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """An XML body of ``POST /received-invoices`` is a supplier's e-invoice (runs before ninja reads the body as JSON)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        token = request_token(request)
        if not is_xml(request) or token is None:
            return run(request, *args, **kwargs)
        request.auth = token.user  # type: ignore[attr-defined]
        try:
            return _receive_xml(request)
        except DomainError as exc:
            return from_domain_error(exc)

    return wrapper


def _receive_xml(request: HttpRequest) -> HttpResponse:
    user = caller(request)
    require(request, "ap.enter" if user.is_seller_staff else "supplier.submit")
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BYTES:
        raise EInvoiceTooLarge(f"The document is {length:,} bytes; at most {MAX_BYTES:,} are accepted.")
    received = received_einvoice_receive(actor=user, xml=request.body, supplier=None if user.is_seller_staff else user.company)
    if received.invoice is None:
        assert received.intake is not None
        intake = received.intake
        waiting = {"intake": intake.pk, "status": intake.status, "number": intake.number, "seller_name": intake.seller_name,
                   "detail": "The sender is not a supplier of ours yet; the document waits in the AP inbox."}  # fmt: skip
        return JsonResponse(waiting, status=202)
    body = ReceivedInvoiceDetail.model_validate(received_detail(_visible_invoice(user, received.invoice.pk))).model_dump(mode="json")
    response = JsonResponse(body, status=201)
    response["Location"] = f"/api/v1/received-invoices/{received.invoice.pk}"
    return response


# --- Received invoices -------------------------------------------------------------------------------


@received_router.get("", response=responses({200: Page[ReceivedInvoiceOut]}, READ_ERRORS), summary="List received invoices")
def list_received_invoices(request: HttpRequest, filters: Query[ReceivedQuery]) -> dict[str, Any]:
    user = _reader(request)
    data = filters.model_dump(exclude={"limit", "cursor"})
    qs = selectors.received_invoice_list(selectors.received_invoices_visible_to(user), selectors.ApFilters(**data))
    rows, cursor = paginate(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [received_out(i) for i in rows], "next_cursor": cursor}


def _intake_supplier(user: User, supplier_id: int | None) -> Company:
    if user.is_seller_staff:
        if supplier_id is None:
            raise ValidationFailed("supplier: which supplier sent it.", field="supplier")
        return company_reference(supplier_id, field="supplier")
    if supplier_id not in (None, user.company_id):
        raise ValidationFailed("supplier: a supplier submits its own invoices only.", field="supplier")
    assert user.company is not None
    return user.company


@received_router.post(
    "", response=responses({201: ReceivedInvoiceDetail}, CREATE_ERRORS),
    summary="Submit a received invoice: a PO flip, a retrofit invoice (no PO), a credit invoice (JSON), or a supplier's e-invoice (XML)",
    openapi_extra=RECEIVED_XML_OPENAPI,
)  # fmt: skip
@decorate_view(received_xml_intake)
def create_received_invoice(request: HttpRequest, payload: ReceivedInvoiceIn) -> Status:
    user = caller(request)
    require(request, "ap.enter" if user.is_seller_staff else "supplier.submit")
    supplier = _intake_supplier(user, payload.supplier)
    lines = [{**ln.model_dump(exclude_none=True, exclude={"order_line"}), "order_line_id": ln.order_line} for ln in payload.lines]
    source = "api"
    common: dict[str, Any] = {"actor": user, "supplier": supplier, "number": payload.number, "issue_date": payload.issue_date,
              "due_date": payload.due_date, "currency": payload.currency, "discount": payload.discount, "notes": payload.notes}  # fmt: skip
    related = None
    if payload.related_invoice is not None:
        related = selectors.received_invoices_visible_to(user).filter(pk=payload.related_invoice).first()
        if related is None:
            raise ValidationFailed(
                f"related_invoice: no received invoice {payload.related_invoice} that you can see.", field="related_invoice"
            )
    if payload.purchase_order is None and payload.kind == "invoice":
        for ln in lines:
            ln.pop("order_line_id")
        requester = _staff_user(payload.requester_email, "requester_email")
        if requester is None:
            raise ValidationFailed("requester_email: an invoice without a purchase order needs the requester who accepts it.",
                                   field="requester_email")  # fmt: skip
        invoice = retrofit_invoice_create(**common, lines=lines, requester=requester, source=source)
    else:
        order = None
        if payload.purchase_order is not None:
            order = selectors.purchase_orders_visible_to(user).filter(pk=payload.purchase_order).first()
            if order is None:
                raise ValidationFailed(
                    f"purchase_order: no purchase order {payload.purchase_order} that you can see.", field="purchase_order"
                )
        invoice = received_invoice_create(**common, lines=lines, order=order, source=source, kind=payload.kind, related_invoice=related)
    return Status(201, received_detail(_visible_invoice(user, invoice.pk)))


@received_router.get("/{invoice_id}", response=responses({200: ReceivedInvoiceDetail}, READ_ONE_ERRORS), summary="A received invoice")
def get_received_invoice(request: HttpRequest, invoice_id: Id) -> dict[str, Any]:
    return received_detail(_visible_invoice(_reader(request), invoice_id))


@received_router.post(
    "/{invoice_id}/cancel", response=responses({200: ReceivedInvoiceDetail}, WRITE_ERRORS),
    summary="Cancel a received invoice (its creator, before approval)",
)  # fmt: skip
def cancel_received_invoice(request: HttpRequest, invoice_id: Id, payload: CancelIn | None = None) -> dict[str, Any]:
    user = caller(request)
    require(request, "ap.enter" if user.is_seller_staff else "supplier.submit")
    invoice = received_invoice_cancel(actor=user, invoice=_visible_invoice(user, invoice_id), reason=payload.reason if payload else "")
    return received_detail(_visible_invoice(user, invoice.pk))
