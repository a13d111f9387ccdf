"""Template helpers of the seller app: money, permission checks, status badges, navigation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from invoice_portal.core.money import format_money
from invoice_portal.invoices.models import Status
from invoice_portal.payments.models import PaymentStatus
from invoice_portal.seller.forms import plain_number
from invoice_portal.seller.navigation import NavLink, nav_for
from invoice_portal.seller.permissions import seller_can

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_money(amount, currency)


@register.filter
def num(value: Decimal | None) -> str:
    """A quantity or rate without exponent or trailing zeros."""
    return "" if value is None else plain_number(value)


@register.filter
def can(user: Any, code: str) -> bool:
    return seller_can(user, code)


@register.inclusion_tag("seller/partials/badge.html")
def invoice_badge(status: str, label: str = "") -> dict[str, str]:
    return {"colour": Status.colour(status), "label": label or Status(status).label}


@register.inclusion_tag("seller/partials/badge.html")
def payment_badge(status: str, label: str = "") -> dict[str, str]:
    return {"colour": PaymentStatus.colour(status), "label": label or PaymentStatus(status).label}


@register.inclusion_tag("seller/partials/badge.html")
def badge(label: str, colour: str = "grey") -> dict[str, str]:
    return {"colour": colour, "label": label}


@register.simple_tag(takes_context=True)
def seller_nav(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    return nav_for(request.user, match.url_name if match and match.url_name else "")


@register.filter
def sort_link(current: str, field: str) -> str:
    """The sort value a column header links to: ascending first, then descending."""
    return f"-{field}" if current == field else field


@register.filter
def sort_mark(current: str, field: str) -> str:
    if current == field:
        return "▲"
    if current == f"-{field}":
        return "▼"
    return ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


_AUDIT_HIDDEN = {"id", "company", "direction", "kind", "currency"}
# On a creation (no "before"), these say enough; the rest of the snapshot is noise in a trail.
_AUDIT_SUMMARY = (
    "status", "number", "total", "balance", "lines", "amount", "method", "reference", "allocations", "reason", "comment",
    "dispute", "line", "text", "credit_note", "applied", "remaining", "refund", "released", "permission", "enabled", "level",
    "email", "role", "is_active", "flag_updated", "flag_canceled", "flagged",
)  # fmt: skip


def _audit_value(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} line{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "—"
    return "—" if value in (None, "") else str(value)


@register.simple_tag
def audit_changes(event: Any) -> list[tuple[str, str | None, str]]:
    """What an audit event changed, as (field, before, after); fields equal on both sides are left out."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows: list[tuple[str, str | None, str]] = []
    keys = list(after) + [k for k in before if k not in after]
    if not before and any(k in _AUDIT_SUMMARY for k in keys):
        keys = [k for k in keys if k in _AUDIT_SUMMARY]
    for key in keys:
        if key in _AUDIT_HIDDEN:
            continue
        old, new = before.get(key), after.get(key)
        if before and old == new:
            continue
        if key == "lines" and before and old != new:
            rows.append(("lines", _audit_value(old), f"{_audit_value(new)} (changed)"))
            continue
        rows.append((key.replace("_", " "), _audit_value(old) if before else None, _audit_value(new)))
    return rows


@register.filter
def words(value: str) -> list[str]:
    return value.split()


@register.filter
def add_money(a: Decimal | None, b: Decimal | None) -> Decimal:
    return (a or Decimal(0)) + (b or Decimal(0))


@register.filter
def subtract(a: Decimal | None, b: Decimal | None) -> Decimal:
    return (a or Decimal(0)) - (b or Decimal(0))
