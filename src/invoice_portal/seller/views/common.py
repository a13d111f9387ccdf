"""Small helpers shared by the seller views."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from invoice_portal.core.pagination import paginate_rows

PER_PAGE = 50


def paginate(request: HttpRequest, rows: Any, per_page: int = PER_PAGE) -> Page[Any]:
    """The requested page of ``rows``; an out-of-range or malformed page number gives the nearest page."""
    return paginate_rows(rows, request.GET.get("page"), per_page)


def actor(request: HttpRequest) -> Any:
    return request.user


def safe_next(request: HttpRequest, default: str) -> str:
    """The posted ``next`` when it is a path on this site, else ``default`` (a url name)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)
