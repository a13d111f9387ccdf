"""Reads of promises to pay and remittance advice, for the buyer portal and the seller app.

A promise's status is derived, never stored, by one rule (``promise_status``; docs/domain.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, TextChoices
from django.utils import timezone

from invoice_portal.accounts.permissions import Level
from invoice_portal.accounts.selectors import user_perm_level
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.selectors import allocations_by_invoice
from invoice_portal.remittances.models import PromiseStatus, PromiseToPay, RemittanceAdvice, RemittanceLine, RemittanceStatus


def _company_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and getattr(user, "company_id", None) is not None)


# --- Promises to pay ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseView:
    promise: PromiseToPay
    status: str
    paid: Decimal  # allocated to the invoice between the promise and its date

    @property
    def colour(self) -> str:
        return PromiseStatus.colour(self.status)

    @property
    def label(self) -> str:
        return PromiseStatus(self.status).label


def promise_status(
    promise: PromiseToPay, allocations: Iterable[tuple[dt.datetime, Decimal]], *, today: dt.date | None = None
) -> PromiseView:
    """The one rule of a promise to pay (amount A on an invoice by day D, made at moment T):

    - **kept** as soon as what was allocated to the invoice from T until the end of D (local time) adds up
      to A or more: payments, and credit notes applied in that window (a credit lowers what the buyer has
      to pay, so it counts towards the promise rather than breaking it);
    - **broken** once D has passed without that: partly paid is broken (``paid`` says how much came), and
      money on D + 1 is a day late, so broken;
    - **pending** until then.
    Allocations are read as they stand: a refunded or reversed payment (a bounced check) counts only what
    it still allocates, and money allocated before the promise was made does not count towards it.
    """
    paid = sum(
        (amount for at, amount in allocations if at >= promise.created_at and timezone.localdate(at) <= promise.date),
        ZERO,
    )
    if paid >= promise.amount:
        status = PromiseStatus.KEPT
    elif (today or timezone.localdate()) > promise.date:
        status = PromiseStatus.BROKEN
    else:
        status = PromiseStatus.PENDING
    return PromiseView(promise, status, quantize(paid, promise.currency))


def promise_views(invoice: Invoice, *, today: dt.date | None = None) -> list[PromiseView]:
    promises = list(invoice.promises_to_pay.select_related("user").order_by("-created_at", "-pk"))
    if not promises:
        return []
    return promise_views_of(promises, today=today)


def promise_views_of(promises: Iterable[PromiseToPay], *, today: dt.date | None = None) -> list[PromiseView]:
    """``promise_status`` of promises the caller has read (in its scope): their invoices' allocations in one query."""
    promises = list(promises)
    allocations = allocations_by_invoice(p.invoice_id for p in promises)
    return [promise_status(p, allocations.get(p.invoice_id, []), today=today) for p in promises]


class PromiseDue(TextChoices):
    TODAY = "today", "Due today"
    OVERDUE = "overdue", "Date passed"
    UPCOMING = "upcoming", "Upcoming"


@dataclass(frozen=True)
class PromiseTally:
    status: str
    label: str
    count: int
    amounts: dict[str, Decimal]  # promised, by currency


def promise_report(views: Iterable[PromiseView]) -> list[PromiseTally]:
    """How many promises were kept, broken and are pending, and for how much (by currency)."""
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for view in views:
        counts[view.status] += 1
        amounts[view.status][view.promise.currency] += view.promise.amount
    return [
        PromiseTally(s.value, str(s.label), counts[s.value], {c: quantize(a, c) for c, a in sorted(amounts[s.value].items())})
        for s in (PromiseStatus.KEPT, PromiseStatus.BROKEN, PromiseStatus.PENDING)
    ]


# --- Remittance advice ----------------------------------------------------------------------------


def remittances_visible_to(user: Any) -> QuerySet[RemittanceAdvice]:
    """Remittance advice of the own company (or only the user's own, for a buyer paying their own orders)."""
    if not _company_user(user):
        return RemittanceAdvice.objects.none()
    level = user_perm_level(user, "portal.pay")
    if level is None:
        return RemittanceAdvice.objects.none()
    remittances = RemittanceAdvice.objects.filter(company_id=user.company_id)
    if level is Level.OWN:
        remittances = remittances.filter(submitted_by=user)
    lines = Prefetch("lines", queryset=_remittance_lines())
    return remittances.select_related("submitted_by", "payment").prefetch_related(lines).order_by("-created_at", "-pk")


def _remittance_lines() -> QuerySet[RemittanceLine]:
    return RemittanceLine.objects.select_related("invoice").order_by("pk")


def remittances_to_review() -> QuerySet[RemittanceAdvice]:
    """Submitted remittance advice waiting for Finance, oldest first (for the seller side)."""
    return (
        RemittanceAdvice.objects.filter(status=RemittanceStatus.SUBMITTED)
        .select_related("company", "submitted_by")
        .prefetch_related(Prefetch("lines", queryset=_remittance_lines()))
        .order_by("created_at", "pk")
    )
