"""Every write about paying that the buyer states and Finance judges: promises to pay and remittance advice.

The buyer portal and the seller app both call these. Each transition checks who acts and what
they may touch itself (an invoice outside the actor's scope is "not found", whatever page or API
calls it), runs in one transaction and is audited. Money moves only through ``payments.services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.audit.services import audit_record
from invoice_portal.companies.selectors import company_tree_ids
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
from invoice_portal.core.money import ZERO, as_str, check_amount_limit, check_currency, minor_digits, parse_money
from invoice_portal.invoices.line_statuses import line_statuses_claims_withdrawn, line_statuses_customer_paid
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status
from invoice_portal.invoices.selectors import invoices_visible_to
from invoice_portal.invoices.wording import status_words
from invoice_portal.payments.models import Payment
from invoice_portal.payments.services import payment_record
from invoice_portal.remittances.models import PromiseToPay, RemittanceAdvice, RemittanceLine, RemittanceMethod, RemittanceStatus

PAYABLE = (Status.OPEN, Status.PARTIALLY_PAID)
PROMISE_HORIZON_DAYS = 366
MAX_REMITTANCE_LINES = 200


def _is_company_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and getattr(actor, "company_id", None) is not None)


def _require_portal(actor: Any, code: str) -> None:
    if not _is_company_user(actor) or not user_has_perm(actor, code):
        raise PermissionDenied(f"Needs the '{code}' permission of a company user.")


def _minimum_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_digits(currency))


_pk = parse_id


def _owed(invoice: Invoice) -> Decimal:
    """What may still be paid on a document: the balance of a live debit document, else nothing."""
    if invoice.direction != Direction.ISSUED or invoice.kind == Kind.CREDIT_NOTE or invoice.status not in PAYABLE:
        return ZERO
    return invoice.balance


def _as_date(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(f"{field}: a date is expected.", field=field)
    return value


# --- Promise to pay -------------------------------------------------------------------------------


@transaction.atomic
def promise_to_pay_create(*, actor: Any, invoice: Invoice | int, date: dt.date, amount: object, note: str = "") -> PromiseToPay:
    """The buyer promises to pay ``amount`` on an invoice they may pay, by ``date``.

    The amount is within the currency's minor units, at least one minor unit and at most the
    balance; the date is today or later, within a year. Whether the promise is kept is derived
    later from what is allocated to the invoice (``selectors.promise_status``).
    """
    _require_portal(actor, "portal.pay")
    pk = _pk(invoice)
    found = invoices_visible_to(actor, "portal.pay").filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(f"Invoice {pk} was not found.")
    owed = _owed(found)
    if owed <= ZERO:
        raise Conflict(f"{found} is {status_words(found)}; nothing is due on it.")
    day = _as_date(date, field="date")
    today = timezone.localdate()
    if day < today:
        raise ValidationFailed("date: a promise is for today or a later day.", field="date")
    if day > today + dt.timedelta(days=PROMISE_HORIZON_DAYS):
        raise ValidationFailed("date: a promise is for a day within the next year.", field="date")
    currency = found.currency
    value = parse_money(amount, currency, field="amount")
    if value < _minimum_unit(currency):
        raise InvalidAmount(f"amount: at least {as_str(_minimum_unit(currency), currency)} {currency}.", field="amount")
    if value > owed:
        raise AllocationExceedsBalance(
            f"amount: {as_str(value, currency)} is more than the {as_str(owed, currency)} {currency} still due on {found}.", field="amount"
        )
    if len(note) > 500:
        raise ValidationFailed("note: at most 500 characters.", field="note")
    promise = PromiseToPay.objects.create(invoice=found, user=actor, date=day, amount=value, currency=currency, note=note.strip())
    audit_record(
        actor=actor, obj=found, action="promise.create",
        after={"promise": promise.pk, "date": day.isoformat(), "amount": as_str(value, currency), "note": promise.note},
    )  # fmt: skip
    return promise


# --- Remittance advice ----------------------------------------------------------------------------


def _remittance_pairs(invoices_amounts: Any) -> list[tuple[int, object]]:
    if isinstance(invoices_amounts, Mapping):
        items: Iterable[Any] = list(invoices_amounts.items())
    elif isinstance(invoices_amounts, (str, bytes)) or not isinstance(invoices_amounts, Iterable):
        raise ValidationFailed("invoices: a list of (invoice, amount) pairs is expected.", field="invoices")
    else:
        items = invoices_amounts
    pairs: list[tuple[int, object]] = []
    for i, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValidationFailed(f"invoices[{i}]: an (invoice, amount) pair is expected.", field=f"invoices[{i}]")
        pk = _pk(item[0])
        if pk is None:
            raise ValidationFailed(f"invoices[{i}].invoice: not an invoice id.", field=f"invoices[{i}].invoice")
        if any(pk == seen for seen, _ in pairs):
            raise ValidationFailed(f"invoices[{i}].invoice: invoice {pk} is listed twice.", field=f"invoices[{i}].invoice")
        pairs.append((pk, item[1]))
    if len(pairs) > MAX_REMITTANCE_LINES:
        raise ValidationFailed(f"invoices: at most {MAX_REMITTANCE_LINES} invoices in one remittance.", field="invoices")
    return pairs


@transaction.atomic
def remittance_submit(
    *,
    actor: Any,
    amount: object,
    method: str,
    paid_on: dt.date,
    reference: str = "",
    invoices_amounts: Any = (),
    currency: str | None = None,
    note: str = "",
) -> RemittanceAdvice:
    """The buyer tells the seller about money sent offline and which invoices it is for.

    Only invoices the buyer may pay (``portal.pay`` scope), all in the remittance's currency; each
    amount above zero and at most the invoice's balance; together at most the amount sent (the
    rest is meant as credit on account). Nothing is paid until Finance confirms it.
    """
    _require_portal(actor, "portal.pay")
    pairs = _remittance_pairs(invoices_amounts)
    ids = [pk for pk, _ in pairs]
    visible = {inv.pk: inv for inv in invoices_visible_to(actor, "portal.pay").filter(pk__in=ids)}
    for pk in ids:
        if pk not in visible:
            raise NotFound(f"Invoice {pk} was not found.")
    currencies = {inv.currency for inv in visible.values()}
    if currency is not None:
        currencies.add(currency)
    if len(currencies) > 1:
        raise CurrencyMismatch(f"One remittance is in one currency; these are in {', '.join(sorted(currencies))}.")
    currency = check_currency(currencies.pop() if currencies else actor.company.currency)
    value = check_amount_limit(parse_money(amount, currency, field="amount"), currency, field="amount")
    if value < _minimum_unit(currency):
        raise InvalidAmount(f"amount: at least {as_str(_minimum_unit(currency), currency)} {currency}.", field="amount")
    if method not in RemittanceMethod.values:
        raise ValidationFailed(f"method: one of {', '.join(RemittanceMethod.values)}.", field="method")
    if len(reference) > 200:
        raise ValidationFailed("reference: at most 200 characters.", field="reference")
    day = _as_date(paid_on, field="paid_on")
    if day > timezone.localdate():
        raise ValidationFailed("paid_on: the day the money was sent cannot be in the future.", field="paid_on")
    lines: list[tuple[Invoice, Decimal]] = []
    for i, (pk, raw) in enumerate(pairs):
        invoice, where = visible[pk], f"invoices[{i}].amount"
        owed = _owed(invoice)
        if owed <= ZERO:
            raise Conflict(f"{invoice} is {status_words(invoice)}; nothing is due on it.", field=where)
        part = parse_money(raw, currency, field=where)
        if part < _minimum_unit(currency):
            raise InvalidAmount(f"{where}: at least {as_str(_minimum_unit(currency), currency)} {currency}.", field=where)
        if part > owed:
            raise AllocationExceedsBalance(
                f"{where}: {as_str(part, currency)} is more than the {as_str(owed, currency)} {currency} still due on {invoice}.",
                field=where,
            )
        lines.append((invoice, part))
    covered = sum((part for _, part in lines), ZERO)
    if covered > value:
        raise InvalidAmount(
            f"amount: the invoices add up to {as_str(covered, currency)} {currency}, more than the {as_str(value, currency)} sent.",
            field="amount",
        )
    remittance = RemittanceAdvice.objects.create(
        company_id=actor.company_id, submitted_by=actor, amount=value, currency=currency, method=method,
        reference=reference.strip(), paid_on=day, note=note.strip(),
    )  # fmt: skip
    RemittanceLine.objects.bulk_create(RemittanceLine(remittance=remittance, invoice=inv, amount=part) for inv, part in lines)
    # The buyer says these are paid: the lines her amounts cover read Paid for her, before the money is matched.
    line_statuses_customer_paid(claims=[(inv.pk, part) for inv, part in lines])
    audit_record(
        actor=actor, obj=remittance, action="remittance.submit",
        after={
            "amount": as_str(value, currency), "currency": currency, "method": method, "reference": remittance.reference,
            "paid_on": day.isoformat(), "lines": {str(inv.pk): as_str(part, currency) for inv, part in lines},
        },
    )  # fmt: skip
    return remittance


def _require_finance(actor: Any) -> None:
    if actor is None or getattr(actor, "company_id", 0) is not None or not user_has_perm(actor, "payments.record"):
        raise PermissionDenied("Confirming remittance advice is for seller staff who record payments.")


def _lock_submitted(remittance: RemittanceAdvice | int) -> RemittanceAdvice:
    pk = _pk(remittance)
    try:
        locked = lock_one(RemittanceAdvice, pk if pk is not None else 0)
    except RemittanceAdvice.DoesNotExist:
        raise NotFound(f"Remittance advice {pk} was not found.") from None
    if locked.status != RemittanceStatus.SUBMITTED:
        raise Conflict(f"Remittance advice #{locked.pk} is already {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def remittance_confirm(*, actor: Any, remittance: RemittanceAdvice | int, received_on: dt.date | None = None, comment: str = "") -> Payment:
    """Finance has the money: record it as a payment allocated as the buyer said — exactly once.

    Each line takes at most the invoice's balance now (an invoice paid or canceled meanwhile takes
    less or nothing); what the lines do not take stays on the company's account as credit. The
    remittance row is locked first, then the invoices by id, then ``payment_record`` takes over.
    """
    _require_finance(actor)
    locked = _lock_submitted(remittance)
    lines = list(locked.lines.order_by("pk"))
    invoices = lock_rows(Invoice, (line.invoice_id for line in lines))
    allowed = company_tree_ids(locked.company_id)
    left = locked.amount
    allocations: list[tuple[int, Decimal]] = []
    for line in lines:
        invoice = invoices[line.invoice_id]
        owed = _owed(invoice) if invoice.company_id in allowed and invoice.currency == locked.currency else ZERO
        part = min(line.amount, owed, left)
        if part > ZERO:
            allocations.append((invoice.pk, part))
            left -= part
    payment = payment_record(
        actor=actor, company=locked.company, amount=locked.amount, currency=locked.currency, method=locked.method,
        reference=locked.reference, received_on=received_on or locked.paid_on, allocations=allocations,
        notes=f"Confirmed from remittance advice #{locked.pk}",
    )  # fmt: skip
    locked.status = RemittanceStatus.CONFIRMED
    locked.payment = payment
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.review_comment = comment.strip()
    locked.save(update_fields=["status", "payment", "reviewed_by", "reviewed_at", "review_comment"])
    audit_record(
        actor=actor, obj=locked, action="remittance.confirm", before={"status": RemittanceStatus.SUBMITTED},
        after={
            "status": locked.status, "payment": payment.pk, "comment": locked.review_comment,
            "allocations": {str(pk): as_str(part, locked.currency) for pk, part in allocations},
            "credit_left": as_str(left, locked.currency),
        },
    )  # fmt: skip
    return payment


@transaction.atomic
def remittance_reject(*, actor: Any, remittance: RemittanceAdvice | int, comment: str) -> RemittanceAdvice:
    """Finance did not receive the money (or not as described): the advice is closed with a comment for the buyer."""
    _require_finance(actor)
    if not comment.strip():
        raise ValidationFailed("comment: tell the buyer why the remittance is rejected.", field="comment")
    locked = _lock_submitted(remittance)
    locked.status = RemittanceStatus.REJECTED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.review_comment = comment.strip()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    # The money was not received as the buyer said: her "paid" on those lines no longer holds.
    line_statuses_claims_withdrawn(invoice_ids=list(locked.lines.values_list("invoice_id", flat=True)))
    audit_record(
        actor=actor, obj=locked, action="remittance.reject", before={"status": RemittanceStatus.SUBMITTED},
        after={"status": locked.status, "comment": locked.review_comment},
    )  # fmt: skip
    return locked
