"""Small helpers shared by the portal views."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from invoice_portal.accounts.models import User
from invoice_portal.core.ids import parse_id
from invoice_portal.invoices.models import Invoice
from invoice_portal.portal.selectors import visible_invoice

PER_PAGE = 25


def paginate(request: HttpRequest, rows: Any, per_page: int = PER_PAGE) -> Page[Any]:
    """The requested page of ``rows``; an out-of-range or malformed page number gives the nearest page."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def invoice_or_404(request: HttpRequest, pk: int, permission: str) -> Invoice:
    """The invoice if it is inside the user's scope for ``permission``; 404 otherwise, so nothing outside is revealed."""
    invoice = visible_invoice(request.user, pk, permission)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def ids_from(values: list[str]) -> list[int]:
    """Invoice ids from query or form values, in order, without repeats; anything else is dropped."""
    seen: dict[int, None] = {}
    for value in values:
        pk = parse_id(value)
        if pk is not None:
            seen.setdefault(pk, None)
    return list(seen)


def company_user(request: HttpRequest) -> User:
    """The signed-in company user of a portal view (``portal_required`` let only those through)."""
    user = request.user
    assert isinstance(user, User)
    assert user.company_id is not None
    return user


def company_id(request: HttpRequest) -> int:
    user = company_user(request)
    assert user.company_id is not None
    return user.company_id
