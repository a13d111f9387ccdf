"""Template helpers of the seller app: permission checks, navigation, audit trails, figures.

Money, badges and sortable headers come from the core libraries (``{% load money badges sorting %}``), the status
badges of invoices, payments and emails from their apps (``invoice_badges``, ``payment_badges``, ``message_badges``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.remittances.models import RemittanceStatus
from invoice_portal.seller.forms import plain_number
from invoice_portal.seller.navigation import NavLink, nav_for
from invoice_portal.seller.permissions import seller_can

register = template.Library()


@register.filter
def num(value: Decimal | None) -> str:
    """A quantity or rate without exponent or trailing zeros."""
    return "" if value is None else plain_number(value)


@register.filter
def can(user: Any, code: str) -> bool:
    return seller_can(user, code)


@register.simple_tag
def remittance_badge(status: str) -> SafeString:
    return badge_html(RemittanceStatus(status).label, RemittanceStatus.colour(status))


@register.simple_tag(takes_context=True)
def seller_nav(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    return nav_for(request.user, match.url_name if match and match.url_name else "")


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
