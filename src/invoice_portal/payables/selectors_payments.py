"""Reads of payments to suppliers: AP staff (``ap.view``) see every one, a supplier's users their own company's only."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Direction, Invoice, Kind
from invoice_portal.payables.models import SupplierAllocation, SupplierPayment
from invoice_portal.payables.services.supplier_payments import PAYABLE


def supplier_payments_visible_to(user: Any) -> QuerySet[SupplierPayment]:
    """Supplier payments ``user`` may see, newest first, each with its allocations and their invoices."""
    payments = (
        SupplierPayment.objects.select_related("supplier", "created_by")
        .prefetch_related(
            Prefetch("allocations", queryset=SupplierAllocation.objects.select_related("invoice").order_by("invoice__number"))
        )
        .order_by("-paid_on", "-pk")
    )
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return payments.none()
    if user.company_id is None:
        return payments if user_has_perm(user, "ap.view") else payments.none()
    return payments.filter(supplier_id=user.company_id) if user_has_perm(user, "supplier.view") else payments.none()


def payable_invoices(supplier: Company, currency: str) -> QuerySet[Invoice]:
    """The supplier's accepted invoices in ``currency`` with something still to pay, oldest due first."""
    return Invoice.objects.filter(
        direction=Direction.RECEIVED, company=supplier, kind=Kind.INVOICE, ap_status__in=PAYABLE, currency=currency, balance__gt=0
    ).order_by("due_date", "pk")


def payees() -> QuerySet[Company]:
    """Suppliers we may pay."""
    return Company.objects.filter(is_supplier=True).order_by("name")
