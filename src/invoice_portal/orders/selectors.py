"""Reads of orders for buyers: the scope a company user may see, with the same rules as their invoices."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from invoice_portal.orders.models import Direction, Order, OrderSource

# Seed 001: the store's orders are "web" orders; everything else reached us from the ERP (pushed, imported or via the API).
WEB_SOURCES = (OrderSource.BIGCOMMERCE,)


def orders_visible_to(user: Any, permission: str = "portal.view") -> QuerySet[Order]:
    """The sales orders ``user`` may see under ``permission``, by the rule of ``invoices_visible_to``.

    Seller staff with ``orders.view`` see every sales order. A company user sees, at the level their role grants
    the permission: the orders they placed (own), their company's (company), or their company's and its
    subsidiaries' (tree). Anyone else sees nothing; purchase orders (accounts payable) never.
    """
    from invoice_portal.accounts.permissions import Level
    from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
    from invoice_portal.companies.selectors import company_tree_ids

    orders = Order.objects.filter(direction=Direction.SALES)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return orders.none()
    if user.company_id is None:
        return orders if user_has_perm(user, "orders.view") else orders.none()
    level = user_perm_level(user, permission)
    if level is None:
        return orders.none()
    if level is Level.OWN:
        return orders.filter(company_id=user.company_id, placed_by=user)
    if level is Level.COMPANY:
        return orders.filter(company_id=user.company_id)
    return orders.filter(company_id__in=company_tree_ids(user.company_id))
