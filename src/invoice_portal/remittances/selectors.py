"""Reads of promises to pay and remittance advice, for the buyer portal and the seller app.

A promise's status is derived, never stored: kept when what was allocated to the invoice from
the promise until its date covers the amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from invoice_portal.accounts.permissions import Level
from invoice_portal.accounts.selectors import user_perm_level
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Invoice
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
    """Kept when what was allocated to the invoice from the promise until its date covers the amount;
    broken once the date has passed without that; pending until then."""
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
    allocations = list(invoice.allocations.filter(amount__gt=0).values_list("created_at", "amount"))
    return [promise_status(p, allocations, today=today) for p in promises]


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
