"""Orders over the API: list, upsert by (source, external_id), update, cancel, invoice. Seller staff only.

Pushing orders is what the store and ERP integrations do, so creating, updating and
canceling need ``integrations.manage``; reading needs ``orders.view``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from invoice_portal.accounts.models import User
from invoice_portal.api.access import caller, require
from invoice_portal.api.pagination import paginate
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
    Text50,
    Text100,
    Text500,
    money,
    plain_decimal,
    responses,
)
from invoice_portal.api.selectors import OrderFilters, order_list
from invoice_portal.companies.api import company_reference
from invoice_portal.core.errors import NotFound, ValidationFailed
from invoice_portal.core.money import minor_digits
from invoice_portal.invoices.api import InvoiceDetail, InvoiceLineIn, invoice_detail, line_dicts, reload
from invoice_portal.invoices.services import invoice_create_from_order
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_acknowledge_flags, order_cancel, order_upsert

router = Router()

OrderSourceCode = Literal["bigcommerce", "api", "csv", "erp", "retrofit"]
EmailText = Field(None, max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$", description="Email of the company user who placed it")


class OrderLineIn(Schema):
    sku: Text100 = ""
    description: Text500 = Field(min_length=1)
    quantity: Quantity = "1"
    unit_price: Amount
    tax_rate: Rate = "0"
    tax_category: Literal["S", "Z", "E", "AE", "K", "G", "O", "L", "M"] | None = None


class OrderIn(Schema):
    source: OrderSourceCode
    external_id: Text100 = Field(min_length=1)
    company: Id
    lines: list[OrderLineIn] = Field(min_length=1, max_length=1000)
    direction: Literal["sales", "purchase"] = "sales"
    currency: Currency | None = Field(None, description="Defaults to the company's currency")
    order_date: Date | None = None
    status: Text50 = "pending"
    po_number: Text100 = ""
    placed_by_email: str | None = EmailText


class OrderPatch(Schema):
    """Fields sent are changed; ``lines`` replaces every line. An invoiced order gets its ``updated`` flag."""

    lines: list[OrderLineIn] | None = Field(None, min_length=1, max_length=1000)
    order_date: Date | None = None
    status: Text50 | None = None
    po_number: Text100 | None = None
    placed_by_email: str | None = EmailText


class OrderCancelIn(Schema):
    status: Text50 = Field("canceled", min_length=1, description="The status the source reports")


class InvoiceFromOrderIn(Schema):
    extra_lines: list[InvoiceLineIn] = Field(
        default_factory=list, max_length=100, description="Added after the order's lines, e.g. shipping"
    )


class OrderLineOut(Schema):
    id: int
    line_no: int
    sku: str
    description: str
    quantity: str
    unit_price: str
    tax_category: str
    tax_rate: str


class OrderOut(Schema):
    id: int
    direction: str
    source: str
    external_id: str
    company: int
    company_name: str
    placed_by: int | None
    status: str
    is_canceled: bool
    po_number: str
    currency: str
    order_date: dt.date
    subtotal: str
    tax_total: str
    total: str
    flag_updated: bool
    flag_canceled: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class OrderDetail(OrderOut):
    lines: list[OrderLineOut]


class OrderQuery(Schema):
    source: Literal["", "bigcommerce", "api", "csv", "erp", "retrofit"] = ""
    status: SearchText = ""
    external_id: SearchText = ""
    company: Id | None = None
    customer: SearchText = Field("", description="Company name (contains) or external id (exact)")
    direction: Literal["", "sales", "purchase"] = ""
    flagged: bool | None = Field(None, description="Has an updated or canceled flag")
    flag: Literal["", "updated", "canceled"] = ""
    canceled: bool | None = None
    sort: Literal["order_date", "-order_date", "id", "-id"] = "-order_date"
    limit: Limit = 50
    cursor: Cursor | None = None


def order_out(order: Order) -> dict[str, Any]:
    c = order.currency
    return {
        "id": order.pk, "direction": order.direction, "source": order.source, "external_id": order.external_id,
        "company": order.company_id, "company_name": order.company.name, "placed_by": order.placed_by_id,
        "status": order.status, "is_canceled": order.is_canceled, "po_number": order.po_number, "currency": c,
        "order_date": order.order_date, "subtotal": money(order.subtotal, c), "tax_total": money(order.tax_total, c),
        "total": money(order.total, c), "flag_updated": order.flag_updated, "flag_canceled": order.flag_canceled,
        "created_at": order.created_at, "updated_at": order.updated_at,
    }  # fmt: skip


def order_detail(order: Order) -> dict[str, Any]:
    c = order.currency
    return {
        **order_out(order),
        "lines": [
            {
                "id": ln.pk, "line_no": ln.line_no, "sku": ln.sku, "description": ln.description, "quantity": plain_decimal(ln.quantity),
                "unit_price": plain_decimal(ln.unit_price, min_places=minor_digits(c)), "tax_category": ln.tax_category,
                "tax_rate": plain_decimal(ln.tax_rate),
            }
            for ln in order.lines.order_by("line_no")
        ],
    }  # fmt: skip


def _get_order(order_id: int) -> Order:
    order = Order.objects.select_related("company").filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def _placed_by(email: str | None) -> User | None:
    if email is None:
        return None
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        raise ValidationFailed(f"placed_by_email: no user {email}.", field="placed_by_email")
    return user


def _lines(lines: list[OrderLineIn]) -> list[dict[str, Any]]:
    return [line.model_dump(exclude_none=True) for line in lines]


@router.get("", response=responses({200: Page[OrderOut]}, READ_ERRORS), summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderQuery]) -> dict[str, Any]:
    require(request, "orders.view")
    data = filters.model_dump(exclude={"limit", "cursor", "company"})
    rows, cursor = paginate(order_list(OrderFilters(company_id=filters.company, **data)), cursor=filters.cursor, limit=filters.limit)
    return {"items": [order_out(o) for o in rows], "next_cursor": cursor}


@router.post(
    "",
    response=responses({200: OrderDetail, 201: OrderDetail}, CREATE_ERRORS),
    summary="Create or update the order known as (source, external_id): 201 when created, 200 when updated",
)
def upsert_order(request: HttpRequest, payload: OrderIn) -> Status:
    user = require(request, "integrations.manage")
    order, created = order_upsert(
        actor=user, source=payload.source, external_id=payload.external_id, company=company_reference(payload.company),
        lines=_lines(payload.lines), currency=payload.currency, order_date=payload.order_date, status=payload.status,
        placed_by=_placed_by(payload.placed_by_email), po_number=payload.po_number, direction=payload.direction,
    )  # fmt: skip
    return Status(201 if created else 200, order_detail(_get_order(order.pk)))


@router.get("/{order_id}", response=responses({200: OrderDetail}, READ_ONE_ERRORS), summary="Get an order with its lines")
def get_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    require(request, "orders.view")
    return order_detail(_get_order(order_id))


@router.patch("/{order_id}", response=responses({200: OrderDetail}, WRITE_ERRORS), summary="Update an order")
def update_order(request: HttpRequest, order_id: Id, payload: OrderPatch) -> dict[str, Any]:
    user = require(request, "integrations.manage")
    order = _get_order(order_id)
    data = payload.model_dump(exclude_unset=True)
    for name in ("order_date", "status", "po_number", "lines"):
        if name in data and data[name] is None:
            raise ValidationFailed(f"{name}: may not be null.", field=name)
    lines = (
        _lines(payload.lines)
        if payload.lines is not None
        else [
            {"sku": ln.sku, "description": ln.description, "quantity": ln.quantity, "unit_price": ln.unit_price,
             "tax_category": ln.tax_category, "tax_rate": ln.tax_rate}
            for ln in order.lines.order_by("line_no")
        ]
    )  # fmt: skip
    order, _ = order_upsert(
        actor=user, source=order.source, external_id=order.external_id, company=order.company, lines=lines,
        currency=order.currency, order_date=data.get("order_date", order.order_date), status=data.get("status", order.status),
        placed_by=_placed_by(payload.placed_by_email), po_number=data.get("po_number", order.po_number), direction=order.direction,
    )  # fmt: skip
    return order_detail(_get_order(order.pk))


@router.post("/{order_id}/cancel", response=responses({200: OrderDetail}, WRITE_ERRORS), summary="The source canceled the order")
def cancel_order(request: HttpRequest, order_id: Id, payload: OrderCancelIn | None = None) -> dict[str, Any]:
    user = require(request, "integrations.manage")
    order = order_cancel(actor=user, order=_get_order(order_id), status=payload.status if payload else "canceled")
    return order_detail(_get_order(order.pk))


@router.post("/{order_id}/acknowledge", response=responses({200: OrderDetail}, WRITE_ERRORS), summary="Acknowledge the order's flags")
def acknowledge_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    user = require(request, "orders.acknowledge")
    order = order_acknowledge_flags(actor=user, order=_get_order(order_id))
    return order_detail(_get_order(order.pk))


@router.post(
    "/{order_id}/invoice",
    response=responses({201: InvoiceDetail}, WRITE_ERRORS),
    summary="Create a draft invoice from the order's lines (respects invoices_per_order)",
)
def invoice_order(request: HttpRequest, order_id: Id, payload: InvoiceFromOrderIn | None = None) -> Status:
    user = require(request, "orders.invoice")
    order = _get_order(order_id)
    invoice = invoice_create_from_order(actor=user, order=order, extra_lines=line_dicts(payload.extra_lines) if payload else None)
    return Status(201, invoice_detail(reload(invoice), caller(request)))
