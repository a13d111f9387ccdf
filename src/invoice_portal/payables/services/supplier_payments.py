"""Payments to suppliers: the outgoing direction, recorded and allocated like customer payments.

- The money side and the invoice side keep the same rules as ``payments.services`` (one function each,
  ``check_within_source`` and ``check_within_balance``): never more allocated from a payment than its
  amount, never more to an invoice than its balance; nothing across currencies.
- A payment goes to its supplier's **accepted or downloaded** received invoices only (not a credit invoice,
  not one still in matching or approval, never a rejected or canceled one); what it does not allocate is
  paid on account and may be allocated later.
- The invoices' rows are locked (ascending ids) before their balance is read, so two payments to one
  invoice at once queue and never over-pay it (PostgreSQL test); ``invoice_settle`` writes the balance
  and the status (partially paid / paid), and check-books sums these allocations with the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import AllocationNotAllowed, CurrencyMismatch, DomainError, ValidationFailed
from invoice_portal.core.locks import lock_one, lock_rows
from invoice_portal.core.money import ZERO, as_str, check_currency, parse_money
from invoice_portal.invoices.models import Direction, Invoice, Kind, ReceivedStatus
from invoice_portal.invoices.services.documents import invoice_settle
from invoice_portal.payables.models import SupplierAllocation, SupplierPayment
from invoice_portal.payments.models import Method
from invoice_portal.payments.services import AllocationRequest, allocation_requests, check_within_balance, check_within_source

# What we pay suppliers with (the gateway methods are a customer's way to pay us).
METHODS = (Method.WIRE, Method.CHECK, Method.CASH, Method.OTHER)
# Received invoices that may be paid: accepted (matched or approved) and those already handed to the ERP.
PAYABLE = (ReceivedStatus.ACCEPTED, ReceivedStatus.DOWNLOADED)


def _view(payment: SupplierPayment, requests: Iterable[AllocationRequest] = ()) -> dict[str, Any]:
    return {
        "supplier": payment.supplier_id, "amount": as_str(payment.amount, payment.currency), "currency": payment.currency,
        "method": payment.method, "reference": payment.reference, "paid_on": payment.paid_on.isoformat(),
        "allocated_total": as_str(payment.allocated_total, payment.currency),
        "allocations": {str(r.invoice_id): as_str(r.amount, payment.currency) for r in requests},
    }  # fmt: skip


def check_payable(invoice: Invoice | None, invoice_id: int, *, supplier: Company, currency: str) -> Invoice:
    """``invoice`` (read under its row lock) may take money paid to ``supplier`` in ``currency``."""
    if invoice is None or invoice.direction != Direction.RECEIVED or invoice.company_id != supplier.pk:
        raise AllocationNotAllowed(f"Invoice {invoice_id} is not a received invoice of {supplier}.")
    if invoice.kind != Kind.INVOICE:
        raise AllocationNotAllowed(f"{invoice} is a credit invoice; a payment settles invoices.")
    if invoice.ap_status not in PAYABLE:
        raise AllocationNotAllowed(f"{invoice} is {invoice.get_ap_status_display().lower()}; only accepted invoices are paid.")
    if invoice.currency != currency:
        raise CurrencyMismatch(f"{invoice} is in {invoice.currency}, the payment in {currency}.")
    return invoice


def _allocate(payment: SupplierPayment, requests: list[AllocationRequest]) -> None:
    """Lock the invoices, check each on the locked row, write the allocations and settle the invoices."""
    invoices = lock_rows(Invoice, (r.invoice_id for r in requests))
    for i, req in enumerate(requests):
        try:
            invoice = check_payable(invoices.get(req.invoice_id), req.invoice_id, supplier=payment.supplier, currency=payment.currency)
            check_within_balance(req.amount, invoice)
        except DomainError as exc:
            exc.field = exc.field or f"allocations[{i}].amount"  # the row it is about (a form shows it there)
            raise
    for req in requests:
        invoice = invoices[req.invoice_id]
        row, created = SupplierAllocation.objects.get_or_create(payment=payment, invoice=invoice, defaults={"amount": req.amount})
        if not created:
            row.amount += req.amount
            row.save(update_fields=["amount"])
        invoice_settle(invoice, allocated=invoice.allocated_total + req.amount)


@transaction.atomic
def supplier_payment_record(
    *,
    actor: Any,
    supplier: Company,
    amount: object,
    method: str,
    currency: str | None = None,
    reference: str = "",
    paid_on: dt.date | None = None,
    allocations: Iterable[Any] = (),
    notes: str = "",
) -> SupplierPayment:
    """Record money paid to ``supplier`` and allocate it to its accepted invoices; the rest is paid on account."""
    if not supplier.is_supplier:
        raise ValidationFailed("supplier: not a supplier.", field="supplier")
    currency = check_currency(currency or supplier.currency)
    value = parse_money(amount, currency)
    if value <= ZERO:
        raise ValidationFailed("amount: a payment is above zero.", field="amount")
    if method not in METHODS:
        raise ValidationFailed(f"method: one of {', '.join(METHODS)}.", field="method")
    reference = (reference or "").strip()
    if len(reference) > 200:
        raise ValidationFailed("reference: at most 200 characters.", field="reference")
    paid_on = paid_on or timezone.localdate()
    if paid_on > timezone.localdate():
        raise ValidationFailed("paid_on: in the future.", field="paid_on")
    requests = allocation_requests(allocations, currency)
    wanted = sum((r.amount for r in requests), ZERO)
    check_within_source(wanted, value, currency)
    payment = SupplierPayment.objects.create(
        supplier=supplier, amount=value, currency=currency, method=method, reference=reference, paid_on=paid_on,
        allocated_total=wanted, notes=notes, created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    _allocate(payment, requests)
    audit_record(actor=actor, obj=payment, action="supplier_payment.record", after=_view(payment, requests))
    return payment


@transaction.atomic
def supplier_payment_allocate(*, actor: Any, payment: SupplierPayment, allocations: Iterable[Any]) -> SupplierPayment:
    """Allocate what a supplier payment still has on account to the supplier's accepted invoices."""
    payment = lock_one(SupplierPayment, payment.pk)
    requests = allocation_requests(allocations, payment.currency)
    if not requests:
        raise ValidationFailed("allocations: say which invoice gets how much.", field="allocations")
    wanted = sum((r.amount for r in requests), ZERO)
    check_within_source(wanted, payment.unallocated, payment.currency, source=f"Supplier payment #{payment.pk}")
    before = _view(payment)
    _allocate(payment, requests)
    payment.allocated_total += wanted
    payment.save(update_fields=["allocated_total"])
    audit_record(actor=actor, obj=payment, action="supplier_payment.allocate", before=before, after=_view(payment, requests))
    return payment
