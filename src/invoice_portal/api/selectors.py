"""List queries the API needs that the nouns' selectors do not offer yet (candidates to move there).

Invoice and payment lists use ``invoices.selectors`` and ``payments.selectors`` directly;
buyer reads always start from ``invoices_visible_to``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from invoice_portal.api.models import ApiToken
from invoice_portal.companies.models import Company
from invoice_portal.companies.selectors import company_search
from invoice_portal.invoices.models import Direction, Dispute
from invoice_portal.orders.models import Order

COMPANY_SORTS = {"name": ("name", "id"), "-name": ("-name", "-id"), "id": ("id",), "-id": ("-id",)}
ORDER_SORTS = {"order_date": ("order_date", "id"), "-order_date": ("-order_date", "-id"), "id": ("id",), "-id": ("-id",)}


def company_list(*, q: str = "", name: str = "", external_id: str = "", sort: str = "name") -> QuerySet[Company]:
    companies = company_search(q.strip())
    if name:
        companies = companies.filter(name__icontains=name.strip())
    if external_id:
        companies = companies.filter(external_id=external_id.strip())
    return companies.order_by(*COMPANY_SORTS.get(sort, COMPANY_SORTS["name"]))


@dataclass(frozen=True)
class OrderFilters:
    source: str = ""
    status: str = ""
    external_id: str = ""
    company_id: int | None = None
    customer: str = ""  # company name (contains) or external id (exact)
    direction: str = ""
    flagged: bool | None = None
    flag: str = ""  # "updated" or "canceled"
    canceled: bool | None = None
    sort: str = "-order_date"


def order_list(filters: OrderFilters) -> QuerySet[Order]:
    f = filters
    orders = Order.objects.select_related("company")
    if f.source:
        orders = orders.filter(source=f.source)
    if f.status:
        orders = orders.filter(status=f.status)
    if f.external_id:
        orders = orders.filter(external_id=f.external_id)
    if f.company_id is not None:
        orders = orders.filter(company_id=f.company_id)
    if f.customer:
        term = f.customer.strip()
        orders = orders.filter(Q(company__name__icontains=term) | Q(company__external_id=term))
    if f.direction:
        orders = orders.filter(direction=f.direction)
    flagged = Q(flag_updated=True) | Q(flag_canceled=True)
    if f.flagged is True:
        orders = orders.filter(flagged)
    elif f.flagged is False:
        orders = orders.exclude(flagged)
    if f.flag == "updated":
        orders = orders.filter(flag_updated=True)
    elif f.flag == "canceled":
        orders = orders.filter(flag_canceled=True)
    if f.canceled is not None:
        orders = orders.filter(is_canceled=f.canceled)
    return orders.order_by(*ORDER_SORTS.get(f.sort, ORDER_SORTS["-order_date"]))


def dispute_list(*, status: str = "", invoice_id: int | None = None, company_id: int | None = None) -> QuerySet[Dispute]:
    """Disputes on issued documents, newest first (seller side)."""
    disputes = Dispute.objects.filter(invoice__direction=Direction.ISSUED).select_related("invoice", "line")
    if status:
        disputes = disputes.filter(status=status)
    if invoice_id is not None:
        disputes = disputes.filter(invoice_id=invoice_id)
    if company_id is not None:
        disputes = disputes.filter(invoice__company_id=company_id)
    return disputes.order_by("-created_at", "-id")


def api_tokens_listed_for(user: Any, *, everyone: bool) -> QuerySet[ApiToken]:
    """The tokens the tokens page lists: the user's own, or everyone's for an integrations Admin."""
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    return rows if everyone else rows.filter(user=user)
