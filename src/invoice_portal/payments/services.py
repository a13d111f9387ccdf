"""Payments and allocations: the money invariants live here.

- allocated to an invoice ≤ its total (its balance never goes below zero);
- allocated from a payment ≤ its amount minus refunds; from a credit note ≤ its total;
- nothing is allocated to a draft, canceled or received document, nor across currencies;
- what a payment does not allocate stays as credit on the company's account.

Every change locks the payment first, then the documents by ascending id (``core.locks``),
so concurrent allocations to the same invoices queue instead of overpaying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record, audit_record_many, snapshot
from invoice_portal.companies.models import Company
from invoice_portal.companies.selectors import company_tree_ids
from invoice_portal.core.bulk import rows_insert
from invoice_portal.core.errors import (
    AllocationExceedsBalance,
    AllocationExceedsPayment,
    AllocationNotAllowed,
    CurrencyMismatch,
    InvalidTransition,
    RefundExceedsPayment,
    ValidationFailed,
)
from invoice_portal.core.ids import parse_id
from invoice_portal.core.locks import lock_one, lock_rows
from invoice_portal.core.money import ZERO, as_str, check_amount_limit, check_currency, parse_money
from invoice_portal.core.prepared import PreparedIn
from invoice_portal.core.settings_store import settings_read_once
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status
from invoice_portal.invoices.services.documents import invoice_settle, invoices_settle
from invoice_portal.notifications.services import ReceiptEmail, notify_payment_received, payment_receipt_write
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Method, Payment, PaymentStatus

_PAYMENT_FIELDS = ("company", "amount", "currency", "method", "reference", "received_on", "status", "refunded_amount", "allocated_total")


@dataclass(frozen=True)
class AllocationRequest:
    invoice_id: int
    amount: Decimal


def allocation_requests(allocations: Iterable[Any], currency: str) -> list[AllocationRequest]:
    """Accept (invoice, amount) pairs or {"invoice": …, "amount": …} dicts; merge repeats of one invoice."""
    if isinstance(allocations, (str, bytes, dict)) or not isinstance(allocations, Iterable):
        raise ValidationFailed("allocations: a list of (invoice, amount) pairs is expected.", field="allocations")
    merged: dict[int, Decimal] = {}
    for i, item in enumerate(allocations):
        if isinstance(item, dict):
            invoice, raw = item.get("invoice"), item.get("amount")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            invoice, raw = item
        else:
            raise ValidationFailed(f"allocations[{i}]: an (invoice, amount) pair is expected.", field=f"allocations[{i}]")
        invoice_id = parse_id(invoice)
        if invoice_id is None:
            raise ValidationFailed(f"allocations[{i}].invoice: not an invoice id.", field=f"allocations[{i}].invoice")
        amount = parse_money(raw, currency, field=f"allocations[{i}].amount")
        if amount == ZERO:
            raise ValidationFailed(f"allocations[{i}].amount: must be above zero.", field=f"allocations[{i}].amount")
        merged[invoice_id] = merged.get(invoice_id, ZERO) + amount
    return [AllocationRequest(k, v) for k, v in merged.items()]


def check_within_source(
    wanted: Decimal, available: Decimal, currency: str, *, source: str | None = None, verb: str = "allocate", field: str | None = None
) -> None:
    """THE over-allocation rule for the money's side: what is allocated from a source (a payment received or made,
    a credit note) never exceeds what it has left. ``source`` None: a new payment, whose whole amount is ``available``."""
    if wanted <= available:
        return
    if source is None:
        raise AllocationExceedsPayment(
            f"The allocations add up to {as_str(wanted, currency)}, more than the payment of {as_str(available, currency)} {currency}.",
            field=field,
        )
    raise AllocationExceedsPayment(
        f"{source} has {as_str(available, currency)} {currency} left to {verb}, not {as_str(wanted, currency)}.", field=field
    )


def check_within_balance(amount: Decimal, invoice: Invoice, *, field: str | None = None) -> None:
    """THE over-allocation rule for the invoice's side: read on the locked row, an allocation never exceeds what is
    still due (a customer's invoice, or a supplier's invoice we pay)."""
    if amount > invoice.balance:
        raise AllocationExceedsBalance(
            f"{as_str(amount, invoice.currency)} is more than the {as_str(invoice.balance, invoice.currency)} {invoice.currency} "
            f"still due on {invoice}.",
            field=field,
        )


def check_targets(
    requests: Sequence[AllocationRequest], invoices: dict[int, Invoice], *, company: Company, currency: str, allowed_companies: set[int]
) -> None:
    """Every target may take the money. ``allowed_companies`` (the payer and its subsidiaries) is read before the
    rows are locked, to keep the locked stretch short."""
    # Each refusal names the allocation at fault (``allocations[i]``, in the order given) so a form marks that row.
    for i, req in enumerate(requests):
        invoice, where = invoices.get(req.invoice_id), f"allocations[{i}].amount"
        if invoice is None or invoice.company_id not in allowed_companies:
            raise AllocationNotAllowed(f"Invoice {req.invoice_id} does not exist for {company}.", field=f"allocations[{i}].invoice")
        if invoice.direction != Direction.ISSUED or invoice.kind == Kind.CREDIT_NOTE:
            raise AllocationNotAllowed(f"{invoice} is not something the customer owes; it cannot take an allocation.", field=where)
        if invoice.status in (Status.DRAFT, Status.CANCELED):
            raise AllocationNotAllowed(f"{invoice} is {invoice.get_status_display().lower()}; nothing can be allocated to it.", field=where)
        if invoice.currency != currency:
            raise CurrencyMismatch(f"{invoice} is in {invoice.currency}, the money is in {currency}.", field=where)
        check_within_balance(req.amount, invoice, field=where)


def _apply(
    *, payment: Payment | None, credit_note: Invoice | None, requests: Sequence[AllocationRequest], invoices: dict[int, Invoice]
) -> None:
    for req in requests:
        invoice = invoices[req.invoice_id]
        row, created = Allocation.objects.get_or_create(
            payment=payment, credit_note=credit_note, invoice=invoice, defaults={"amount": req.amount}
        )
        if not created:
            row.amount += req.amount
            row.save(update_fields=["amount", "updated_at"])
        invoice_settle(invoice, allocated=invoice.allocated_total + req.amount)


def _release(allocation: Allocation, amount: Decimal, invoice: Invoice) -> None:
    allocation.amount -= amount
    allocation.save(update_fields=["amount", "updated_at"])
    invoice_settle(invoice, allocated=invoice.allocated_total - amount)


@dataclass
class NewPayment:
    """A payment checked as ``payment_record`` checks it before any read, not written yet (``payment_prepare``)."""

    payment: Payment
    requests: list[AllocationRequest]
    wanted: Decimal


def payment_prepare(
    *,
    actor: Any,
    company: Company,
    amount: object,
    currency: str,
    method: str,
    reference: str = "",
    received_on: dt.date | None = None,
    allocations: Iterable[Any] = (),
    status: str = PaymentStatus.SUCCEEDED,
    gateway: str = "",
    gateway_reference: str = "",
    external_id: str | None = None,
    notes: str = "",
) -> NewPayment:
    """What ``payment_record`` checks of its arguments alone, and the payment it would write (unsaved)."""
    check_currency(currency)
    value = check_amount_limit(parse_money(amount, currency), currency, field="amount")
    if value == ZERO:
        raise ValidationFailed("amount: a payment is above zero.", field="amount")
    if method not in Method.values:
        raise ValidationFailed(f"method: must be one of {', '.join(Method.values)}.", field="method")
    if status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PENDING):
        raise ValidationFailed("status: a new payment is succeeded or pending.", field="status")
    if len(reference) > 200:
        raise ValidationFailed("reference: at most 200 characters.", field="reference")
    requests = allocation_requests(allocations, currency)
    if requests and status != PaymentStatus.SUCCEEDED:
        raise ValidationFailed("allocations: a pending payment is allocated when it succeeds.", field="allocations")
    wanted = sum((r.amount for r in requests), ZERO)
    check_within_source(wanted, value, currency, field="amount")
    payment = Payment(
        company=company, amount=value, currency=currency, method=method, reference=reference,
        received_on=received_on or timezone.localdate(), status=status, gateway=gateway,
        gateway_reference=gateway_reference, external_id=external_id or None, notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None, allocated_total=wanted,
    )  # fmt: skip
    return NewPayment(payment, requests, wanted)


def payment_record_audit(payment: Payment, requests: Sequence[AllocationRequest]) -> dict[str, Any]:
    """What the ``payment.record`` audit event says of a new payment (its fields and the allocations it asks for)."""
    return {**snapshot(payment, _PAYMENT_FIELDS), "allocations": {str(r.invoice_id): str(r.amount) for r in requests}}


_INVOICES = PreparedIn(lambda keys: Invoice.objects.filter(pk__in=keys))  # the targets every payment reads first


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    company: Company,
    amount: object,
    currency: str,
    method: str,
    reference: str = "",
    received_on: dt.date | None = None,
    allocations: Iterable[Any] = (),
    status: str = PaymentStatus.SUCCEEDED,
    gateway: str = "",
    gateway_reference: str = "",
    external_id: str | None = None,
    notes: str = "",
) -> Payment:
    """Record money received and allocate it across one or many invoices; the rest is credit on account."""
    new = payment_prepare(
        actor=actor, company=company, amount=amount, currency=currency, method=method, reference=reference,
        received_on=received_on, allocations=allocations, status=status, gateway=gateway,
        gateway_reference=gateway_reference, external_id=external_id, notes=notes,
    )  # fmt: skip
    requests = new.requests
    if external_id and Payment.objects.filter(external_id=external_id).exists():
        raise ValidationFailed(f"external_id: a payment '{external_id}' exists already.", field="external_id")
    # Reads and writes that do not depend on the invoices' balances come first, nothing locked: the
    # targets as they stand (refused early with the same checks as below; kind, currency and company do
    # not change once issued), the payment, its allocation rows and the receipt.
    seen = {invoice.pk: invoice for invoice in _INVOICES.all(sorted({r.invoice_id for r in requests}))} if requests else {}
    allowed = payer_companies(company, seen.values())
    check_targets(requests, seen, company=company, currency=currency, allowed_companies=allowed)
    with settings_read_once():
        payment = new.payment
        rows_insert(Payment, [payment])
        rows_insert(Allocation, [Allocation(payment=payment, invoice_id=r.invoice_id, amount=r.amount) for r in requests])
        receipt = payment_receipt_write(payment, paid=[(seen[r.invoice_id], r.amount) for r in requests])
    # The payment's audit event goes in one insert with the "invoice paid" events of the invoices it settles
    # (and their business events in one more): one write of each kind per payment, not two.
    recorded = {"actor": actor, "obj": payment, "action": "payment.record", "after": payment_record_audit(payment, requests)}
    _settle_locked(requests, company=company, currency=currency, allowed_companies=allowed, receipt=receipt, audit=[recorded])
    return payment


def payer_companies(company: Company, invoices: Iterable[Invoice]) -> set[int]:
    """The companies whose invoices ``company`` may pay: itself, and its subsidiaries when it pays theirs."""
    if all(invoice.company_id == company.pk for invoice in invoices):
        return {company.pk}
    return company_tree_ids(company.pk)


def _settle_locked(
    requests: Sequence[AllocationRequest],
    *,
    company: Company,
    currency: str,
    allowed_companies: set[int],
    receipt: ReceiptEmail | None,
    audit: Sequence[dict[str, Any]],
) -> None:
    """The serialized stretch of a payment, the last statements before COMMIT: lock the invoices (ascending),
    check again what a concurrent transaction may have changed (status, balance), settle them in one update.
    ``audit``: the payment's own audit entries, written with those of the settled invoices."""
    if not requests:
        audit_record_many(list(audit))
        return
    invoices = lock_rows(Invoice, (r.invoice_id for r in requests), no_key=True)
    check_targets(requests, invoices, company=company, currency=currency, allowed_companies=allowed_companies)
    invoices_settle([(invoices[r.invoice_id], invoices[r.invoice_id].allocated_total + r.amount) for r in requests], audit=audit)
    if receipt is not None:
        receipt.confirm(invoices)


@transaction.atomic
def payment_allocate(*, actor: Any, payment: Payment, allocations: Iterable[Any]) -> Payment:
    """Use a payment's unallocated credit to settle invoices."""
    payment = lock_one(Payment, payment.pk)
    if payment.status not in SETTLED_STATUSES:
        raise AllocationNotAllowed(f"Payment #{payment.pk} is {payment.get_status_display().lower()}; it has nothing to allocate.")
    requests = allocation_requests(allocations, payment.currency)
    wanted = sum((r.amount for r in requests), ZERO)
    check_within_source(wanted, payment.unallocated, payment.currency, source=f"Payment #{payment.pk}")
    invoices = lock_rows(Invoice, (r.invoice_id for r in requests))
    check_targets(
        requests, invoices, company=payment.company, currency=payment.currency, allowed_companies=company_tree_ids(payment.company_id)
    )
    before = snapshot(payment, _PAYMENT_FIELDS)
    _apply(payment=payment, credit_note=None, requests=requests, invoices=invoices)
    payment.allocated_total += wanted
    payment.save(update_fields=["allocated_total"])
    audit_record(
        actor=actor, obj=payment, action="payment.allocate", before=before,
        after={**snapshot(payment, _PAYMENT_FIELDS), "allocations": {str(r.invoice_id): str(r.amount) for r in requests}},
    )  # fmt: skip
    return payment


@transaction.atomic
def credit_note_apply(*, actor: Any, credit_note: Invoice, allocations: Iterable[Any]) -> Invoice:
    """Apply an issued credit note to open invoices of the same company; the rest stays on account."""
    requests = allocation_requests(allocations, credit_note.currency)
    invoices = lock_rows(Invoice, [credit_note.pk, *(r.invoice_id for r in requests)])
    credit = invoices.pop(credit_note.pk)
    if credit.kind != Kind.CREDIT_NOTE or credit.direction != Direction.ISSUED:
        raise AllocationNotAllowed(f"{credit} is not an issued credit note.")
    if credit.status in (Status.DRAFT, Status.CANCELED):
        raise AllocationNotAllowed(f"{credit} is {credit.get_status_display().lower()}; issue it before applying it.")
    wanted = sum((r.amount for r in requests), ZERO)
    check_within_source(wanted, credit.balance, credit.currency, source=str(credit), verb="apply")
    if any(r.invoice_id == credit.pk for r in requests):
        raise AllocationNotAllowed("A credit note cannot be applied to itself.")
    check_targets(
        requests, invoices, company=credit.company, currency=credit.currency, allowed_companies=company_tree_ids(credit.company_id)
    )
    _apply(payment=None, credit_note=credit, requests=requests, invoices=invoices)
    invoice_settle(credit, allocated=credit.allocated_total + wanted)
    audit_record(
        actor=actor, obj=credit, action="credit_note.apply",
        after={"applied": {str(r.invoice_id): str(r.amount) for r in requests}, "remaining": str(credit.balance)},
    )  # fmt: skip
    return credit


def _locked_allocations(payment: Payment) -> tuple[list[Allocation], dict[int, Invoice]]:
    allocations = list(payment.allocations.filter(amount__gt=0).order_by("-created_at", "-pk"))
    invoices = lock_rows(Invoice, (a.invoice_id for a in allocations))
    return allocations, invoices


@transaction.atomic
def payment_refund(*, actor: Any, payment: Payment, amount: object, reason: str = "", gateway_reference: str = "") -> Payment:
    """Give money back. Unallocated credit is refunded first; beyond it, the newest allocations are released
    and their invoices reopen."""
    payment = lock_one(Payment, payment.pk)
    if payment.status not in SETTLED_STATUSES:
        raise InvalidTransition(f"Payment #{payment.pk} is {payment.get_status_display().lower()}; it cannot be refunded.")
    value = parse_money(amount, payment.currency)
    if value == ZERO:
        raise ValidationFailed("amount: a refund is above zero.", field="amount")
    refundable = payment.amount - payment.refunded_amount
    if value > refundable:
        raise RefundExceedsPayment(
            f"Payment #{payment.pk} has {as_str(refundable, payment.currency)} {payment.currency} left to refund, "
            f"not {as_str(value, payment.currency)}."
        )
    before = snapshot(payment, _PAYMENT_FIELDS)
    to_release = value - payment.unallocated
    released: dict[str, str] = {}
    if to_release > ZERO:
        allocations, invoices = _locked_allocations(payment)
        for allocation in allocations:
            if to_release == ZERO:
                break
            part = min(allocation.amount, to_release)
            _release(allocation, part, invoices[allocation.invoice_id])
            released[str(allocation.invoice_id)] = str(part)
            payment.allocated_total -= part
            to_release -= part
    payment.refunded_amount += value
    payment.status = PaymentStatus.REFUNDED if payment.refunded_amount == payment.amount else PaymentStatus.PARTIALLY_REFUNDED
    payment.save(update_fields=["refunded_amount", "allocated_total", "status"])
    payment.refunds.create(
        amount=value, reason=reason, gateway_reference=gateway_reference, created_by=actor if getattr(actor, "pk", None) else None
    )
    audit_record(
        actor=actor, obj=payment, action="payment.refund", before=before,
        after={**snapshot(payment, _PAYMENT_FIELDS), "refund": str(value), "released": released, "reason": reason},
    )  # fmt: skip
    return payment


@transaction.atomic
def payment_reverse(*, actor: Any, payment: Payment, reason: str = "") -> Payment:
    """A payment that did not happen after all (a bounced check): every allocation is released, invoices reopen."""
    payment = lock_one(Payment, payment.pk)
    if payment.status not in SETTLED_STATUSES:
        raise InvalidTransition(f"Payment #{payment.pk} is {payment.get_status_display().lower()}; it cannot be reversed.")
    before = snapshot(payment, _PAYMENT_FIELDS)
    allocations, invoices = _locked_allocations(payment)
    for allocation in allocations:
        _release(allocation, allocation.amount, invoices[allocation.invoice_id])
    payment.allocated_total = ZERO
    payment.status = PaymentStatus.REVERSED
    payment.reversed_at = timezone.now()
    payment.save(update_fields=["allocated_total", "status", "reversed_at"])
    audit_record(
        actor=actor, obj=payment, action="payment.reverse", before=before,
        after={**snapshot(payment, _PAYMENT_FIELDS), "reason": reason, "released": {str(a.invoice_id): str(a.amount) for a in allocations}},
    )  # fmt: skip
    return payment


@transaction.atomic
def payment_resolve_pending(*, actor: Any, payment: Payment, status: str, allocations: Iterable[Any] = ()) -> Payment:
    """A pending (gateway) payment ends: succeeded with its allocations, or failed, or canceled."""
    payment = lock_one(Payment, payment.pk)
    if payment.status != PaymentStatus.PENDING:
        raise InvalidTransition(f"Payment #{payment.pk} is {payment.get_status_display().lower()}, not pending.")
    if status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED):
        raise ValidationFailed("status: a pending payment ends succeeded, failed or canceled.", field="status")
    before = snapshot(payment, _PAYMENT_FIELDS)
    payment.status = status
    payment.save(update_fields=["status"])
    audit_record(actor=actor, obj=payment, action="payment.resolve", before=before, after=snapshot(payment, _PAYMENT_FIELDS))
    if status == PaymentStatus.SUCCEEDED and allocations:
        payment = payment_allocate(actor=actor, payment=payment, allocations=allocations)
    notify_payment_received(payment)
    return payment
