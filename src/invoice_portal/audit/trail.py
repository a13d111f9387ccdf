"""The audit trail as a clerk reads it: document numbers and names instead of database ids.

``audit_trail`` is the one formatter of audit changes for the history views (seller app, AP). The audit rows
store ids (``{"allocations": {"345": "1000.00"}}``); every id of a page's events is collected first and
read in one query per kind (invoices, orders, invoice lines), so a trail of any length costs the same
few queries, and "allocations: 345=1000.00" reads "allocated 1,000.00 to INV-2026-000345".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.money import format_money
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.orders.models import Order

_HIDDEN = {"id", "company", "direction", "kind", "currency"}
# On a creation (no "before"), these say enough; the rest of the snapshot is noise in a trail.
_SUMMARY = (
    "status", "number", "total", "balance", "lines", "amount", "method", "reference", "allocations", "reason", "comment",
    "dispute", "line", "text", "credit_note", "applied", "remaining", "refund", "released", "permission", "enabled", "level",
    "email", "role", "is_active", "flag_updated", "flag_canceled", "flagged",
)  # fmt: skip
# Maps of document id → amount, and the sentence each entry becomes.
_MONEY_MAPS = {"allocations": "allocated {amount} to {document}", "applied": "applied {amount} to {document}",
               "released": "released {amount} from {document}"}  # fmt: skip
# Single ids, and what they name.
_DOCUMENT_IDS = ("credit_note", "related_invoice", "invoice")
_AMOUNTS = {"total", "balance", "amount", "allocated_total", "refunded_amount", "refund", "remaining", "discount", "tax_total"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None
    after: str


@dataclass(frozen=True)
class TrailRow:
    event: AuditEvent
    changes: list[Change] = field(default_factory=list)


@dataclass
class _Names:
    documents: dict[int, str] = field(default_factory=dict)
    orders: dict[int, str] = field(default_factory=dict)
    lines: dict[int, str] = field(default_factory=dict)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _sides(event: AuditEvent) -> tuple[dict[str, Any], dict[str, Any]]:
    return (event.before if isinstance(event.before, dict) else {}, event.after if isinstance(event.after, dict) else {})


def _names(events: list[AuditEvent]) -> _Names:
    documents: set[int] = set()
    orders: set[int] = set()
    lines: set[int] = set()
    for event in events:
        for side in _sides(event):
            for key in _MONEY_MAPS:
                if isinstance(side.get(key), dict):
                    documents.update(pk for pk in map(_as_int, side[key]) if pk is not None)
            documents.update(pk for pk in (_as_int(side.get(k)) for k in _DOCUMENT_IDS) if pk is not None)
            if (pk := _as_int(side.get("order"))) is not None:
                orders.add(pk)
            if (pk := _as_int(side.get("line"))) is not None:
                lines.add(pk)
    names = _Names()
    if documents:
        names.documents = {inv.pk: str(inv) for inv in Invoice.objects.filter(pk__in=documents).only("pk", "number", "kind")}
    if orders:
        names.orders = {o.pk: f"order {o.external_id}" for o in Order.objects.filter(pk__in=orders).only("pk", "external_id")}
    if lines:
        found = InvoiceLine.objects.filter(pk__in=lines).only("pk", "line_no", "description")
        names.lines = {ln.pk: f"line {ln.line_no} ({ln.description})" if ln.description else f"line {ln.line_no}" for ln in found}
    return names


def _money(value: Any, currency: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError):
        return str(value)


def _value(key: str, value: Any, names: _Names, currency: str) -> str:
    if value in (None, "", {}):
        return "—"
    if key in _MONEY_MAPS and isinstance(value, dict):
        return "; ".join(
            _MONEY_MAPS[key].format(amount=_money(amount, currency), document=names.documents.get(_as_int(pk) or 0, f"document #{pk}"))
            for pk, amount in value.items()
        )
    if key in _DOCUMENT_IDS and (pk := _as_int(value)) is not None:
        return names.documents.get(pk, f"document #{pk}")
    if key == "order" and (pk := _as_int(value)) is not None:
        return names.orders.get(pk, f"order #{pk}")
    if key == "line" and (pk := _as_int(value)) is not None:
        return names.lines.get(pk, f"line #{pk}")
    if key in _AMOUNTS and isinstance(value, str):
        return _money(value, currency)
    if isinstance(value, list):
        return f"{len(value)} line{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _changes(event: AuditEvent, names: _Names, currency: str) -> list[Change]:
    before, after = _sides(event)
    keys = list(after) + [k for k in before if k not in after]
    if not before and any(k in _SUMMARY for k in keys):
        keys = [k for k in keys if k in _SUMMARY]
    rows: list[Change] = []
    for key in keys:
        if key in _HIDDEN:
            continue
        old, new = before.get(key), after.get(key)
        if before and old == new:
            continue
        label = key.replace("_", " ")
        if key == "lines" and before:
            rows.append(Change(label, _value(key, old, names, currency), f"{_value(key, new, names, currency)} (changed)"))
        elif key in _MONEY_MAPS and not before:
            rows.append(Change("", None, _value(key, new, names, currency)))  # the sentence says it all
        else:
            rows.append(Change(label, _value(key, old, names, currency) if before else None, _value(key, new, names, currency)))
    return rows


def audit_trail(events: Iterable[AuditEvent], *, currency: str) -> list[TrailRow]:
    """The events with their changes in words; amounts in ``currency`` (the document's or the payment's)."""
    events = list(events)
    names = _names(events)
    return [TrailRow(event=e, changes=_changes(e, names, str(_sides(e)[1].get("currency") or currency))) for e in events]
