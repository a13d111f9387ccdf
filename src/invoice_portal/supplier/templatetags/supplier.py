from __future__ import annotations

from typing import Any

from django import template

from invoice_portal.supplier.permissions import supplier_can

register = template.Library()

NAV = (("Home", "supplier:home", "supplier.view", "home"), ("Purchase orders", "supplier:orders", "supplier.view", "order"),
       ("Invoices", "supplier:invoices", "supplier.view", "invoice"), ("What was paid", "supplier:payments", "supplier.view", "payments"),
       ("Users", "supplier:users", "supplier.users", "users"))  # fmt: skip


@register.simple_tag(takes_context=True)
def supplier_nav(context: template.Context) -> list[tuple[str, str, bool]]:
    from django.urls import reverse

    request = context.get("request")
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.url_name else ""
    return [(label, reverse(name), current.startswith(section)) for label, name, code, section in NAV if supplier_can(request.user, code)]


@register.filter
def can_supplier(user: Any, code: str) -> bool:
    return supplier_can(user, code)
