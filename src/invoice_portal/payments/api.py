"""Payments over the API: list, record with allocations, refund, reverse, allocate credit. Seller staff only.

A buyer reads the payment history of an invoice in that invoice's detail (``portal.payment_history``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import require
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
    SearchText,
    Text,
    Text100,
    Text200,
    Text500,
    money,
    responses,
)
from invoice_portal.companies.api import company_reference
from invoice_portal.core.errors import NotFound
from invoice_portal.integrations.checkout import payment_refund_anyhow
from invoice_portal.payments.models import Payment
from invoice_portal.payments.selectors import PaymentFilters, payment_filter
from invoice_portal.payments.services import payment_allocate, payment_record, payment_reverse

router = Router()

MethodCode = Literal["card", "bank", "check", "wire", "cash", "other"]


class PaymentIn(Schema):
    company: Id
    amount: Amount
    currency: Currency
    method: MethodCode
    reference: Text200 = Field("", description="Check number or cash memo; shown to the buyer")
    received_on: Date | None = Field(None, description="Defaults to today")
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=1000, description="What is not allocated stays as credit")
    external_id: Text100 | None = None
    notes: Text = ""


class RefundIn(Schema):
    amount: Amount
    reason: Text500 = ""


class ReverseIn(Schema):
    reason: Text500 = ""


class AllocateIn(Schema):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=1000)


class PaymentAllocationOut(Schema):
    invoice: int
    invoice_number: str | None
    amount: str


class RefundOut(Schema):
    id: int
    amount: str
    reason: str
    created_at: dt.datetime


class PaymentOut(Schema):
    id: int
    company: int
    company_name: str
    amount: str
    currency: str
    method: str
    reference: str
    received_on: dt.date
    status: str
    refunded_amount: str
    allocated_total: str
    unallocated: str = Field(description="Credit left on account from this payment")
    external_id: str | None
    created_at: dt.datetime
    reversed_at: dt.datetime | None


class PaymentDetail(PaymentOut):
    notes: str
    allocations: list[PaymentAllocationOut]
    refunds: list[RefundOut]


class PaymentFilterQuery(Schema):
    """The payment list's filters, shared by the list and the CSV export."""

    payment_id: Id | None = None
    customer: SearchText = Field("", description="Company name (contains) or external id (exact)")
    company: Id | None = None
    status: Literal["", "pending", "succeeded", "failed", "canceled", "refunded", "partially_refunded", "reversed"] = ""
    method: Literal["", "card", "bank", "check", "wire", "cash", "other"] = ""
    received_from: Date | None = None
    received_to: Date | None = None
    sort: Literal["received_on", "-received_on", "amount", "-amount"] = "-received_on"


class PaymentQuery(PaymentFilterQuery):
    limit: Limit = 50
    cursor: Cursor | None = None


def payment_out(payment: Payment) -> dict[str, Any]:
    c = payment.currency
    return {
        "id": payment.pk, "company": payment.company_id, "company_name": payment.company.name, "amount": money(payment.amount, c),
        "currency": c, "method": payment.method, "reference": payment.reference, "received_on": payment.received_on,
        "status": payment.status, "refunded_amount": money(payment.refunded_amount, c),
        "allocated_total": money(payment.allocated_total, c), "unallocated": money(payment.unallocated, c),
        "external_id": payment.external_id, "created_at": payment.created_at, "reversed_at": payment.reversed_at,
    }  # fmt: skip


def payment_detail(payment: Payment) -> dict[str, Any]:
    c = payment.currency
    return {
        **payment_out(payment),
        "notes": payment.notes,
        "allocations": [
            {"invoice": a.invoice_id, "invoice_number": a.invoice.number, "amount": money(a.amount, c)}
            for a in payment.allocations.filter(amount__gt=0).select_related("invoice").order_by("created_at", "pk")
        ],
        "refunds": [
            {"id": r.pk, "amount": money(r.amount, c), "reason": r.reason, "created_at": r.created_at}
            for r in payment.refunds.order_by("created_at", "pk")
        ],
    }  # fmt: skip


def _get_payment(payment_id: int) -> Payment:
    payment = Payment.objects.select_related("company").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"No payment {payment_id}.")
    return payment


@router.get("", response=responses({200: Page[PaymentOut]}, READ_ERRORS), summary="List payments")
def list_payments(request: HttpRequest, filters: Query[PaymentQuery]) -> dict[str, Any]:
    require(request, "payments.view")
    data = filters.model_dump(exclude={"limit", "cursor", "company"})
    rows, cursor = paginate(
        payment_filter(Payment.objects.all(), PaymentFilters(company_id=filters.company, **data)),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [payment_out(p) for p in rows], "next_cursor": cursor}


@router.post("", response=responses({201: PaymentDetail}, CREATE_ERRORS), summary="Record a payment and allocate it to invoices")
def create_payment(request: HttpRequest, payload: PaymentIn) -> Status:
    user = require(request, "payments.record")
    payment = payment_record(
        actor=user, company=company_reference(payload.company), amount=payload.amount, currency=payload.currency,
        method=payload.method, reference=payload.reference, received_on=payload.received_on,
        allocations=[a.model_dump() for a in payload.allocations], external_id=payload.external_id, notes=payload.notes,
    )  # fmt: skip
    return Status(201, payment_detail(_get_payment(payment.pk)))


@router.get("/{payment_id}", response=responses({200: PaymentDetail}, READ_ONE_ERRORS), summary="Get a payment with its allocations")
def get_payment(request: HttpRequest, payment_id: Id) -> dict[str, Any]:
    require(request, "payments.view")
    return payment_detail(_get_payment(payment_id))


# A card payment is refunded through its gateway: 502 when the provider fails, 503 when it is not configured here.
@router.post(
    "/{payment_id}/refund", response=responses({200: PaymentDetail}, (*WRITE_ERRORS, 502, 503)), summary="Refund (part of) a payment"
)
def refund_payment(request: HttpRequest, payment_id: Id, payload: RefundIn) -> dict[str, Any]:
    user = require(request, "payments.refund")
    payment = payment_refund_anyhow(actor=user, payment=_get_payment(payment_id), amount=payload.amount, reason=payload.reason)
    return payment_detail(_get_payment(payment.pk))


@router.post(
    "/{payment_id}/reverse", response=responses({200: PaymentDetail}, WRITE_ERRORS), summary="Reverse a payment (e.g. a bounced check)"
)
def reverse_payment(request: HttpRequest, payment_id: Id, payload: ReverseIn | None = None) -> dict[str, Any]:
    user = require(request, "payments.refund")
    payment = payment_reverse(actor=user, payment=_get_payment(payment_id), reason=payload.reason if payload else "")
    return payment_detail(_get_payment(payment.pk))


@router.post(
    "/{payment_id}/allocate", response=responses({200: PaymentDetail}, WRITE_ERRORS), summary="Allocate a payment's unallocated credit"
)
def allocate_payment(request: HttpRequest, payment_id: Id, payload: AllocateIn) -> dict[str, Any]:
    user = require(request, "payments.record")
    payment = payment_allocate(actor=user, payment=_get_payment(payment_id), allocations=[a.model_dump() for a in payload.allocations])
    return payment_detail(_get_payment(payment.pk))
