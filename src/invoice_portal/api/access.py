"""Who the caller is and what they may do: every endpoint asks here before it reads or writes.

A token acts as its owner. Seller staff act under their role's permission codes; company
users (buyers) only read what ``invoices_visible_to`` grants them and may dispute lines.
Anything else is a 403; an object outside the caller's scope is a 404, never a 403, so
its existence is not revealed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from invoice_portal.accounts.models import User
from invoice_portal.accounts.permissions import PERMISSIONS_BY_CODE
from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
from invoice_portal.core.errors import NotFound, PermissionDenied
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.selectors import invoices_visible_to


def caller(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def require(request: HttpRequest, *codes: str) -> User:
    """The caller, if their role grants every one of ``codes``; PermissionDenied (403) otherwise."""
    user = caller(request)
    for code in codes:
        if not user_has_perm(user, code):
            label = PERMISSIONS_BY_CODE[code].label.lower() if code in PERMISSIONS_BY_CODE else code
            raise PermissionDenied(f"Your role does not allow you to {label} ({code}).", code="permission_denied")
    return user


def require_seller_staff(request: HttpRequest) -> User:
    """The caller, if seller staff; a company user (buyer or supplier) gets PermissionDenied (403).

    For seller-side reads scoped by who made the object rather than by one permission code
    (import batches: their author, or everyone's with ``integrations.manage``).
    """
    user = caller(request)
    if not user.is_seller_staff:
        raise PermissionDenied("Only the seller's staff may do this; company users may not.", code="permission_denied")
    return user


def visible_invoices(request: HttpRequest, *, seller_perm: str = "invoices.view", buyer_perm: str = "portal.view") -> QuerySet[Invoice]:
    """The invoices the caller may read: through ``invoices_visible_to``, the one scoping selector.

    A caller with no grant at all gets a 403 rather than an empty list, so a missing
    permission is told apart from an empty result.
    """
    user = caller(request)
    if user.is_seller_staff:
        require(request, seller_perm)
        return invoices_visible_to(user, buyer_perm)
    if user_perm_level(user, buyer_perm) is None:
        raise PermissionDenied(f"Your role does not allow this ({buyer_perm}).")
    return invoices_visible_to(user, buyer_perm)


def get_visible_invoice(request: HttpRequest, invoice_id: int, *, buyer_perm: str = "portal.detail") -> Invoice:
    invoice = visible_invoices(request, buyer_perm=buyer_perm).select_related("company", "order").filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id} that you can see.")
    return invoice


def get_invoice_for_seller(request: HttpRequest, invoice_id: int, *codes: str) -> Invoice:
    """An issued document for a seller action needing ``codes`` (checked before the lookup, so a 403 reveals nothing)."""
    require(request, *codes)
    return get_visible_invoice(request, invoice_id)


def may_see(user: Any, invoice: Invoice, permission: str) -> bool:
    """Whether ``invoice`` is inside the caller's scope for ``permission`` (used for optional parts of a detail)."""
    return invoices_visible_to(user, permission).filter(pk=invoice.pk).exists()
