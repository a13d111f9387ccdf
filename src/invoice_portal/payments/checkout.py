"""Online checkout: a buyer pays one or many invoices through a payment gateway.

The rules, and the one place they live:

- A buyer pays only what ``invoices_visible_to(actor, "portal.pay")`` returns; anything else is
  "not found", whether it exists or not.
- Each amount is above zero, in the invoice's currency and minor units, and at most what can
  still be paid on the invoice: its balance less what other **pending** checkouts reserve. The
  reservation is taken under the invoices' row locks, so a second tab or a double click cannot
  promise the same balance twice. It ends when the checkout succeeds, fails, is canceled or
  expires.
- Credit on the company's account (unallocated payments, unapplied credit notes) chosen by the
  buyer is applied when the checkout starts; the gateway charges the rest.
- When the gateway confirms the money, it is allocated exactly once, never beyond each
  invoice's balance at that moment (an invoice paid offline meanwhile takes nothing); what is
  left stays on the company's account as credit. Money that arrives after the checkout was
  canceled, failed or expired is still recorded the same way: it has been taken.

Lock order (with ``payments.services``): checkout, then payments by id, then documents by id.
The gateway itself is called by ``integrations.checkout``, never inside these transactions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from invoice_portal.accounts.permissions import Level
from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import (
    AllocationExceedsBalance,
    Conflict,
    CurrencyMismatch,
    InvalidAmount,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from invoice_portal.core.ids import parse_id
from invoice_portal.core.locks import lock_one, lock_rows
from invoice_portal.core.money import ZERO, as_str, minor_digits, parse_money
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status
from invoice_portal.invoices.selectors import invoices_visible_to
from invoice_portal.payments.models import (
    SETTLED_STATUSES,
    Checkout,
    CheckoutLine,
    CheckoutStatus,
    Method,
    Payment,
    PaymentStatus,
)
from invoice_portal.payments.selectors import company_position
from invoice_portal.payments.services import (
    credit_note_apply,
    payment_allocate,
    payment_record,
    payment_refund,
    payment_resolve_pending,
)

MAX_LINES = 200
PAYABLE_STATUSES = (Status.OPEN, Status.PARTIALLY_PAID)
ENDED_STATUSES = (CheckoutStatus.FAILED, CheckoutStatus.CANCELED, CheckoutStatus.EXPIRED)
_ENDED_PAYMENT = (PaymentStatus.FAILED, PaymentStatus.CANCELED)


class InvoiceNotPayable(Conflict):
    code = "invoice_not_payable"


class GatewayAmountMismatch(Conflict):
    code = "gateway_amount_mismatch"


# --- Reads for the pay page ------------------------------------------------------------------------------


def payable_invoices(actor: Any) -> QuerySet[Invoice]:
    """The invoices ``actor`` may pay online now: visible under ``portal.pay``, owed, open or partially paid."""
    return invoices_visible_to(actor, "portal.pay").filter(status__in=PAYABLE_STATUSES, balance__gt=0).exclude(kind=Kind.CREDIT_NOTE)


def reserved_amounts(invoice_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, Decimal]:
    """What pending, unexpired checkouts have promised on each invoice."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = (
        CheckoutLine.objects.filter(
            invoice_id__in=ids, checkout__status=CheckoutStatus.PENDING, checkout__expires_at__gt=now or timezone.now()
        )
        .values_list("invoice_id")
        .annotate(reserved=Sum("amount"))
    )
    return {invoice_id: reserved for invoice_id, reserved in rows if reserved}


def payable_balances(invoices: Iterable[Invoice]) -> dict[int, Decimal]:
    """What can still be paid online on each invoice: its balance less what pending checkouts reserve (the pay page's default)."""
    documents = list(invoices)
    reserved = reserved_amounts(inv.pk for inv in documents)
    return {inv.pk: max(ZERO, inv.balance - reserved.get(inv.pk, ZERO)) for inv in documents}


def _credit_payments(company_id: int, currency: str) -> QuerySet[Payment]:
    return Payment.objects.filter(
        company_id=company_id, currency=currency, status__in=SETTLED_STATUSES, allocated_total__lt=F("amount") - F("refunded_amount")
    )


def _credit_notes(company_id: int, currency: str) -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        company_id=company_id, currency=currency, kind=Kind.CREDIT_NOTE, direction=Direction.ISSUED,
        status__in=PAYABLE_STATUSES, balance__gt=0,
    )  # fmt: skip


def available_credit(*, company_id: int, currency: str) -> Decimal:
    """Credit on the company's account in ``currency``: unallocated payments plus unapplied credit notes."""
    return company_position(company_id, currency).credit


def may_apply_credit(user: Any) -> bool:
    """Credit on account is the company's money: only a user who pays for the whole company spends it,
    not a buyer who pays the invoices of their own orders."""
    return user_perm_level(user, "portal.pay") in (Level.COMPANY, Level.TREE)


def checkout_for(*, actor: Any, checkout_id: object) -> Checkout:
    """The checkout ``actor`` started (the return page's read); anyone else's is not found. Seller staff see all."""
    pk = _int(checkout_id)
    checkouts = Checkout.objects.select_related("payment", "company").prefetch_related("lines__invoice")
    if pk is None or actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound("That checkout was not found.")
    if not (actor.company_id is None and user_has_perm(actor, "payments.view")):
        checkouts = checkouts.filter(created_by=actor)
    checkout = checkouts.filter(pk=pk).first()
    if checkout is None:
        raise NotFound("That checkout was not found.")
    return checkout


# --- Starting a checkout ---------------------------------------------------------------------------------


_int = parse_id


def _pairs(invoices_amounts: Any) -> list[tuple[int, object]]:
    """(invoice, amount) pairs, ``{"invoice": …, "amount": …}`` dicts or a mapping of invoice to amount."""
    if isinstance(invoices_amounts, Mapping):
        items: Iterable[Any] = list(invoices_amounts.items())
    elif isinstance(invoices_amounts, (str, bytes)) or not isinstance(invoices_amounts, Iterable):
        raise ValidationFailed("invoices: a list of (invoice, amount) pairs is expected.", field="invoices")
    else:
        items = invoices_amounts
    pairs: list[tuple[int, object]] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            invoice, amount = item.get("invoice"), item.get("amount")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            invoice, amount = item
        else:
            raise ValidationFailed(f"invoices[{i}]: an (invoice, amount) pair is expected.", field=f"invoices[{i}]")
        pk = _int(invoice)
        if pk is None:
            raise ValidationFailed(f"invoices[{i}].invoice: not an invoice id.", field=f"invoices[{i}].invoice")
        if pk in seen:
            raise ValidationFailed(f"invoices[{i}].invoice: invoice {pk} is listed twice.", field=f"invoices[{i}].invoice")
        seen.add(pk)
        pairs.append((pk, amount))
    if not pairs:
        raise ValidationFailed("invoices: select at least one invoice to pay.", field="invoices")
    if len(pairs) > MAX_LINES:
        raise ValidationFailed(f"invoices: at most {MAX_LINES} invoices in one payment.", field="invoices")
    return pairs


def _minimum_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_digits(currency))


def _checked_amounts(pairs: list[tuple[int, object]], invoices: dict[int, Invoice], currency: str) -> dict[int, Decimal]:
    reserved = reserved_amounts(invoices)
    amounts: dict[int, Decimal] = {}
    for i, (pk, raw) in enumerate(pairs):
        invoice, where = invoices[pk], f"invoices[{i}].amount"
        if invoice.currency != currency:
            raise CurrencyMismatch(f"One payment is in one currency: {invoice} is in {invoice.currency}, the others in {currency}.")
        if invoice.kind == Kind.CREDIT_NOTE or invoice.status not in PAYABLE_STATUSES or invoice.balance <= ZERO:
            raise InvoiceNotPayable(f"{invoice} is {invoice.get_status_display().lower()}; nothing is due on it.", field=where)
        amount = parse_money(raw, currency, field=where)
        if amount < _minimum_unit(currency):
            raise InvalidAmount(
                f"{where}: the amount to pay on {invoice} is at least {as_str(_minimum_unit(currency), currency)} {currency}.", field=where
            )
        held = reserved.get(pk, ZERO)
        payable = max(ZERO, invoice.balance - held)
        if amount > payable:
            if held:
                message = (
                    f"{as_str(amount, currency)} is more than the {as_str(payable, currency)} {currency} that can still be paid on "
                    f"{invoice}: {as_str(held, currency)} of its {as_str(invoice.balance, currency)} balance is being paid in "
                    "another checkout that has not finished."
                )
            else:
                message = (
                    f"{as_str(amount, currency)} is more than the {as_str(invoice.balance, currency)} {currency} still due on {invoice}."
                )
            raise AllocationExceedsBalance(message, field=where)
        amounts[pk] = amount
    return amounts


def _apply_credit(
    *, actor: Any, wanted: Decimal, amounts: dict[int, Decimal], payments: list[Payment], notes: list[Invoice]
) -> dict[int, Decimal]:
    """Spread ``wanted`` credit over the lines in the buyer's order, oldest credit first; return the credit per invoice."""
    applied = dict.fromkeys(amounts, ZERO)
    left = wanted
    sources: list[tuple[Payment | Invoice, Decimal]] = [(p, p.unallocated) for p in payments] + [(n, n.balance) for n in notes]
    for source, available in sources:
        budget = min(available, left)
        allocations: list[tuple[int, Decimal]] = []
        for pk, amount in amounts.items():
            part = min(amount - applied[pk], budget)
            if part > ZERO:
                allocations.append((pk, part))
                applied[pk] += part
                budget -= part
        if not allocations:
            continue
        if isinstance(source, Payment):
            payment_allocate(actor=actor, payment=source, allocations=allocations)
        else:
            credit_note_apply(actor=actor, credit_note=source, allocations=allocations)
        left -= sum((a for _, a in allocations), ZERO)
    if left != ZERO:  # the caller checked the credit under the same locks
        raise AssertionError(f"{left} of credit could not be applied")
    return applied


@transaction.atomic
def checkout_open(
    *,
    actor: Any,
    invoices_amounts: Any,
    gateway: str,
    return_url: str,
    expires_at: dt.datetime,
    apply_credit: object = "0",
    minimum_charge: Callable[[str], Decimal] | None = None,
) -> Checkout:
    """Reserve the amounts the buyer chose on each invoice, apply the credit chosen, and open a checkout
    for the rest (with a pending gateway payment). Nothing is charged here: ``integrations.checkout``
    sends the buyer to the gateway once this has committed.
    """
    if actor is None or getattr(actor, "company_id", None) is None or not user_has_perm(actor, "portal.pay"):
        raise PermissionDenied("Paying invoices online is for customer users allowed to pay.")
    pairs = _pairs(invoices_amounts)
    ids = [pk for pk, _ in pairs]
    visible = set(invoices_visible_to(actor, "portal.pay").filter(pk__in=ids).values_list("pk", flat=True))
    for pk in ids:
        if pk not in visible:
            raise NotFound(f"Invoice {pk} was not found.")
    currencies = sorted(set(Invoice.objects.filter(pk__in=ids).values_list("currency", flat=True)))
    if len(currencies) != 1:
        raise CurrencyMismatch(f"One payment is in one currency; these invoices are in {', '.join(currencies)}.")
    currency = currencies[0]
    credit_wanted = parse_money(apply_credit, currency, field="apply_credit")
    if credit_wanted > ZERO and not may_apply_credit(actor):
        raise PermissionDenied("Credit on account belongs to the whole company; only users who pay for the company may apply it.")
    payment_ids: list[int] = []
    note_ids: list[int] = []
    if credit_wanted > ZERO:
        payment_ids = list(_credit_payments(actor.company_id, currency).values_list("pk", flat=True))
        note_ids = list(_credit_notes(actor.company_id, currency).values_list("pk", flat=True))
    credit_payments = lock_rows(Payment, payment_ids)
    locked = lock_rows(Invoice, [*ids, *note_ids])
    invoices = {pk: locked[pk] for pk in ids}
    amounts = _checked_amounts(pairs, invoices, currency)
    total = sum(amounts.values(), ZERO)

    payments = [p for p in credit_payments.values() if p.status in SETTLED_STATUSES and p.unallocated > ZERO]
    notes = [locked[pk] for pk in sorted(note_ids) if locked[pk].status in PAYABLE_STATUSES and locked[pk].balance > ZERO]
    available = sum((p.unallocated for p in payments), ZERO) + sum((n.balance for n in notes), ZERO)
    if credit_wanted > total:
        raise InvalidAmount(
            f"apply_credit: {as_str(credit_wanted, currency)} of credit is more than the {as_str(total, currency)} {currency} being paid.",
            field="apply_credit",
        )
    if credit_wanted > available:
        raise InvalidAmount(
            f"apply_credit: the account has {as_str(available, currency)} {currency} of credit, not {as_str(credit_wanted, currency)}.",
            field="apply_credit",
        )
    to_charge = total - credit_wanted
    floor = minimum_charge(currency) if minimum_charge else _minimum_unit(currency)
    if ZERO < to_charge < floor:
        raise InvalidAmount(
            f"The gateway charges at least {as_str(floor, currency)} {currency}; {as_str(to_charge, currency)} is left to pay "
            "after credit. Apply less credit or pay more.",
            field="apply_credit",
        )
    credit = _apply_credit(actor=actor, wanted=credit_wanted, amounts=amounts, payments=payments, notes=notes)

    now = timezone.now()
    checkout = Checkout.objects.create(
        company_id=actor.company_id, created_by=actor, currency=currency, amount=to_charge, credit_applied=credit_wanted,
        status=CheckoutStatus.PENDING if to_charge else CheckoutStatus.SUCCEEDED, gateway=gateway if to_charge else "",
        return_url=return_url, expires_at=expires_at, completed_at=None if to_charge else now,
    )  # fmt: skip
    CheckoutLine.objects.bulk_create(
        [CheckoutLine(checkout=checkout, invoice_id=pk, amount=amounts[pk] - credit[pk], credit=credit[pk]) for pk, _ in pairs]
    )
    if to_charge:
        checkout.payment = payment_record(
            actor=actor, company=checkout.company, amount=to_charge, currency=currency, method=Method.CARD,
            status=PaymentStatus.PENDING, gateway=gateway, reference=f"Online payment, checkout #{checkout.pk}",
        )  # fmt: skip
        checkout.save(update_fields=["payment"])
    lines = {str(pk): {"amount": as_str(amounts[pk] - credit[pk], currency), "credit": as_str(credit[pk], currency)} for pk, _ in pairs}
    audit_record(
        actor=actor, obj=checkout, action="checkout.start",
        after={
            "gateway": checkout.gateway, "currency": currency, "amount": as_str(to_charge, currency),
            "credit_applied": as_str(credit_wanted, currency), "payment": checkout.payment_id, "lines": lines,
        },
    )  # fmt: skip
    return checkout


@transaction.atomic
def checkout_attach(*, checkout: Checkout, provider_reference: str, redirect_url: str) -> Checkout:
    """Remember the gateway's session for a checkout (once: a session is never swapped for another)."""
    if not provider_reference:
        raise ValidationFailed("provider_reference: the gateway gave no reference.", field="provider_reference")
    changed = Checkout.objects.filter(pk=checkout.pk, provider_reference="").update(
        provider_reference=provider_reference, redirect_url=redirect_url
    )
    if not changed:
        raise Conflict(f"Checkout #{checkout.pk} already has a gateway session.")
    checkout.refresh_from_db()
    audit_record(actor=None, obj=checkout, action="checkout.attach", after={"provider_reference": provider_reference})
    return checkout


# --- How a checkout ends -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutOutcome:
    checkout: Checkout
    changed: bool
    detail: str
    allocated: dict[int, Decimal] = field(default_factory=dict)
    credit_left: Decimal = ZERO


def _lock_checkout(checkout_id: int) -> Checkout:
    try:
        return lock_one(Checkout, checkout_id)
    except Checkout.DoesNotExist:
        raise NotFound(f"Checkout #{checkout_id} was not found.") from None


@transaction.atomic
def checkout_succeed(
    *, actor: Any, checkout_id: int, gateway: str, amount: Decimal, currency: str, payment_reference: str = ""
) -> CheckoutOutcome:
    """The gateway has the money: allocate it to the checkout's invoices exactly once.

    Each invoice takes at most its line's amount and never more than its balance now (an invoice
    paid offline meanwhile takes nothing, a canceled one too); the rest stays on the company's
    account as credit. A success after the checkout was canceled, failed or expired is recorded
    the same way, since the money has been taken. A repeated success changes nothing.
    """
    checkout = _lock_checkout(checkout_id)
    if checkout.gateway != gateway or checkout.payment_id is None:
        raise Conflict(f"Checkout #{checkout.pk} is not paid through {gateway}.")
    payment = lock_one(Payment, checkout.payment_id)
    if checkout.status == CheckoutStatus.SUCCEEDED or payment.status not in (PaymentStatus.PENDING, *_ENDED_PAYMENT):
        return CheckoutOutcome(checkout, False, f"checkout #{checkout.pk} is already paid")
    if currency != checkout.currency or amount != checkout.amount:
        raise GatewayAmountMismatch(
            f"The gateway reports {as_str(amount, checkout.currency) if currency == checkout.currency else amount} {currency} "
            f"for checkout #{checkout.pk}, which is for {as_str(checkout.amount, checkout.currency)} {checkout.currency}."
        )
    if payment_reference and Payment.objects.filter(gateway=gateway, gateway_reference=payment_reference).exclude(pk=payment.pk).exists():
        raise Conflict(f"The gateway payment {payment_reference} is already recorded for another payment.")

    lines = list(checkout.lines.order_by("pk"))
    invoices = lock_rows(Invoice, (line.invoice_id for line in lines))
    left = payment.amount
    allocations: list[tuple[int, Decimal]] = []
    for line in lines:
        invoice = invoices[line.invoice_id]
        owed = invoice.balance if invoice.status in PAYABLE_STATUSES and invoice.kind != Kind.CREDIT_NOTE else ZERO
        line.allocated = max(ZERO, min(line.amount, owed, left))
        if line.allocated > ZERO:
            allocations.append((line.invoice_id, line.allocated))
            left -= line.allocated

    late = checkout.status in ENDED_STATUSES
    if payment.status != PaymentStatus.PENDING:
        # The checkout ended before the money arrived; the money is real, so the payment is revived.
        Payment.objects.filter(pk=payment.pk, status=payment.status).update(status=PaymentStatus.PENDING)
        audit_record(
            actor=actor, obj=payment, action="payment.late_capture", before={"status": payment.status}, after={"status": "pending"}
        )
    if payment_reference:
        Payment.objects.filter(pk=payment.pk).update(gateway_reference=payment_reference)
    payment = payment_resolve_pending(actor=actor, payment=payment, status=PaymentStatus.SUCCEEDED, allocations=allocations)
    CheckoutLine.objects.bulk_update(lines, ["allocated"])
    before = checkout.status
    checkout.status = CheckoutStatus.SUCCEEDED
    checkout.completed_at = timezone.now()
    checkout.save(update_fields=["status", "completed_at"])
    allocated = dict(allocations)
    audit_record(
        actor=actor, obj=checkout, action="checkout.succeed", before={"status": before},
        after={
            "status": checkout.status, "payment": payment.pk, "payment_reference": payment_reference, "late": late,
            "allocated": {str(k): as_str(v, currency) for k, v in allocated.items()}, "credit_left": as_str(left, currency),
        },
    )  # fmt: skip
    detail = (
        f"checkout #{checkout.pk} paid; {as_str(left, currency)} {currency} left as credit" if left else f"checkout #{checkout.pk} paid"
    )
    return CheckoutOutcome(checkout, True, detail, allocated=allocated, credit_left=left)


@transaction.atomic
def checkout_close(*, actor: Any, checkout_id: int, status: str, reason: str = "") -> CheckoutOutcome:
    """A pending checkout ends without money (failed, canceled, expired): its reservation is released and
    its pending payment ends. A checkout that already ended, or succeeded, is left as it is."""
    if status not in ENDED_STATUSES:
        raise ValidationFailed("status: a checkout ends failed, canceled or expired.", field="status")
    checkout = _lock_checkout(checkout_id)
    if checkout.status != CheckoutStatus.PENDING:
        return CheckoutOutcome(checkout, False, f"checkout #{checkout.pk} is already {checkout.status}")
    if checkout.payment_id is not None:
        payment = lock_one(Payment, checkout.payment_id)
        if payment.status == PaymentStatus.PENDING:
            ending = PaymentStatus.FAILED if status == CheckoutStatus.FAILED else PaymentStatus.CANCELED
            payment_resolve_pending(actor=actor, payment=payment, status=ending)
    checkout.status = status
    checkout.completed_at = timezone.now()
    checkout.failure_reason = reason[:500]
    checkout.save(update_fields=["status", "completed_at", "failure_reason"])
    audit_record(
        actor=actor, obj=checkout, action=f"checkout.{status}", before={"status": CheckoutStatus.PENDING},
        after={"status": status, "reason": checkout.failure_reason},
    )  # fmt: skip
    return CheckoutOutcome(checkout, True, f"checkout #{checkout.pk} {status}")


def checkout_cancel(*, actor: Any, checkout_id: object) -> CheckoutOutcome:
    """The buyer gives up a pending checkout (the return page's "Cancel"): the amounts it reserved are free again.

    If the buyer pays at the gateway anyway, the money is recorded when it arrives (``checkout_succeed``).
    """
    checkout = checkout_for(actor=actor, checkout_id=checkout_id)
    return checkout_close(actor=actor, checkout_id=checkout.pk, status=CheckoutStatus.CANCELED, reason="Canceled by the buyer")


def checkout_expire_stale(*, now: dt.datetime | None = None) -> int:
    """End every pending checkout past its expiry (their reservations already stopped counting)."""
    stale = Checkout.objects.filter(status=CheckoutStatus.PENDING, expires_at__lte=now or timezone.now()).values_list("pk", flat=True)
    return sum(checkout_close(actor=None, checkout_id=pk, status=CheckoutStatus.EXPIRED, reason="Expired").changed for pk in list(stale))


@transaction.atomic
def gateway_refund_record(*, actor: Any, payment: Payment, amount: object, refund_reference: str, reason: str = "") -> bool:
    """Record a refund the gateway carried out, once per gateway refund id (our API call and the provider's
    webhook both report it, in either order). Returns whether it was new."""
    if not refund_reference:
        raise ValidationFailed("refund_reference: the gateway's refund id is required.", field="refund_reference")
    payment = lock_one(Payment, payment.pk)
    if payment.refunds.filter(gateway_reference=refund_reference).exists():
        return False
    payment_refund(actor=actor, payment=payment, amount=amount, reason=reason, gateway_reference=refund_reference)
    return True
