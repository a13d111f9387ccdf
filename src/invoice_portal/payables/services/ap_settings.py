"""AP settings: invoice discounts on or off, the organization's matching tolerances, a supplier's overrides,
approver limits and delegation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.core.money import check_currency
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.payables.models import ApproverLimit, PayablesSettings, SupplierTolerance

TOLERANCE_FIELDS = ("price_tolerance_percent", "price_tolerance_amount", "quantity_tolerance_percent", "quantity_tolerance_amount",
                    "no_po_line_limit")  # fmt: skip


def _clean(fields: dict[str, Any], names: tuple[str, ...]) -> dict[str, Decimal | None]:
    out: dict[str, Decimal | None] = {}
    for name in names:
        value = fields.get(name)
        if value in (None, ""):
            out[name] = None
            continue
        value = Decimal(str(value))
        if value < 0:
            raise ValidationFailed(f"{name}: not negative.", field=name)
        if name.endswith("_percent") and value > 100:
            raise ValidationFailed(f"{name}: at most 100 %.", field=name)
        out[name] = value
    return out


def _view(row: Any, names: tuple[str, ...]) -> dict[str, str | None]:
    return {n: (None if getattr(row, n) is None else f"{getattr(row, n).normalize():f}") for n in names}


@transaction.atomic
def payables_tolerances_update(*, actor: Any, **fields: Any) -> PayablesSettings:
    """Set the organization's tolerances, the allowance for lines without a PO line and the auto-accept limit (empty = unset)."""
    names = (*TOLERANCE_FIELDS, "auto_accept_limit")
    PayablesSettings.objects.get_or_create(pk=1)
    row = lock_one(PayablesSettings, 1)
    before = _view(row, names)
    for name, value in _clean(fields, names).items():
        setattr(row, name, value)
    row.save()
    audit_record(actor=actor, obj=row, action="payables_settings.tolerances", before=before, after=_view(row, names))
    return row


@transaction.atomic
def payables_discounts_set(*, actor: Any, enabled: bool) -> PayablesSettings:
    """Switch gross / discount / net entry of received invoices on or off.

    Off refuses a discount on newly entered invoices (an e-invoice stating its own allowance is still
    booked as sent); invoices already entered keep theirs. Matching always uses the gross amounts.
    """
    PayablesSettings.objects.get_or_create(pk=1)
    row = lock_one(PayablesSettings, 1)
    before = {"discounts_enabled": row.discounts_enabled}
    if row.discounts_enabled != enabled:
        row.discounts_enabled = enabled
        row.save(update_fields=["discounts_enabled"])
        audit_record(actor=actor, obj=row, action="payables_settings.discounts", before=before, after={"discounts_enabled": enabled})
    return row


@transaction.atomic
def supplier_tolerance_set(*, actor: Any, supplier: Company, **fields: Any) -> SupplierTolerance | None:
    """A supplier's overrides; every field empty removes the override (the organization's tolerances apply)."""
    if not supplier.is_supplier:
        raise ValidationFailed("supplier: not a supplier.", field="supplier")
    values = _clean(fields, TOLERANCE_FIELDS)
    row = SupplierTolerance.objects.select_for_update().filter(supplier=supplier).first()
    before = _view(row, TOLERANCE_FIELDS) if row is not None else None
    if all(v is None for v in values.values()):
        if row is not None:
            row.delete()
        audit_record(actor=actor, obj=supplier, action="supplier_tolerance.remove", before=before, after=None)
        return None
    row = row or SupplierTolerance(supplier=supplier)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    audit_record(actor=actor, obj=supplier, action="supplier_tolerance.set", before=before, after=_view(row, TOLERANCE_FIELDS))
    return row


@transaction.atomic
def approver_limit_set(
    *,
    actor: Any,
    user: Any,
    limit: Any,
    currency: str | None = None,
    delegate: Any = None,
    delegate_from: dt.date | None = None,
    delegate_until: dt.date | None = None,
) -> ApproverLimit:
    """How much ``user`` may accept or approve alone in ``currency`` (default: the portal's default currency), and
    (optionally) the colleague who acts for them over a date range.

    A limit applies in its own currency only; the delegation is the person's and is written on each of their limits.
    """
    if user.company_id is not None:
        raise ValidationFailed("user: only our own staff approve invoices.", field="user")
    currency = check_currency(str(currency or portal_settings().default_currency).strip().upper())
    try:
        amount = Decimal(str(limit))
    except ArithmeticError:
        raise ValidationFailed("limit: an amount.", field="limit") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed("limit: an amount of zero or more.", field="limit")
    if delegate is not None:
        if delegate.pk == user.pk or delegate.company_id is not None:
            raise ValidationFailed("delegate: another member of our staff.", field="delegate")
        if delegate_from is None or delegate_until is None or delegate_until < delegate_from:
            raise ValidationFailed("delegate_until: the delegation needs a period, from a day until the same or a later day.",
                                   field="delegate_until")  # fmt: skip
    else:
        delegate_from = delegate_until = None
    rows = {r.currency: r for r in ApproverLimit.objects.select_for_update().filter(user=user)}
    row = rows.get(currency)
    before = None if row is None else {"limit": f"{row.limit.normalize():f}", "currency": currency, "delegate": row.delegate_id}
    row = row or ApproverLimit(user=user, currency=currency)
    row.limit = amount
    for each in [row, *(r for c, r in rows.items() if c != currency)]:
        each.delegate, each.delegate_from, each.delegate_until = delegate, delegate_from, delegate_until
        each.save()
    after = {
        "limit": f"{amount.normalize():f}", "currency": currency, "delegate": getattr(delegate, "pk", None),
        "from": delegate_from.isoformat() if delegate_from else None, "until": delegate_until.isoformat() if delegate_until else None,
    }  # fmt: skip
    audit_record(actor=actor, obj=user, action="approver_limit.set", before=before, after=after)
    return row
