"""The one write the seller app owns: the operator's portal settings.

No other module changes ``PortalSettings`` yet; this transition belongs in ``core`` and
should move there when core gains a services module.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record, snapshot
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.models import InvoicesPerOrder, PortalSettings
from invoice_portal.core.money import check_currency
from invoice_portal.core.numbering import format_number

SETTINGS_FIELDS = (
    "seller_name", "seller_tax_id", "seller_address", "seller_email", "default_currency", "default_payment_terms_days",
    "invoices_per_order", "invoice_number_format", "credit_note_number_format", "debit_note_number_format",
)  # fmt: skip
_FORMATS = ("invoice_number_format", "credit_note_number_format", "debit_note_number_format")


def _check_number_format(name: str, template: str) -> None:
    """A format must number every document differently: it needs {seq}, and must render."""
    if "{seq" not in template:
        raise ValidationFailed(f"{name}: include {{seq}} (for example INV-{{year}}-{{seq:06d}}).", field=name)
    try:
        first, second = format_number(template, year=2026, seq=1), format_number(template, year=2026, seq=2)
    except (KeyError, IndexError, ValueError):
        raise ValidationFailed(f"{name}: only {{year}} and {{seq}} (with a format such as {{seq:06d}}) may be used.", field=name) from None
    if first == second or len(first) > 50:
        raise ValidationFailed(f"{name}: the numbers it makes must differ and fit in 50 characters.", field=name)


@transaction.atomic
def portal_settings_update(*, actor: Any, **fields: Any) -> PortalSettings:
    """Change the operator's settings; every change is audited. Takes effect on the next request."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown settings: {', '.join(sorted(unknown))}.")
    PortalSettings.objects.get_or_create(pk=1)
    settings = PortalSettings.objects.select_for_update().get(pk=1)
    before = snapshot(settings, SETTINGS_FIELDS)
    if "seller_name" in fields and not str(fields["seller_name"]).strip():
        raise ValidationFailed("seller_name: the company name is printed on every invoice.", field="seller_name")
    if "default_currency" in fields:
        fields["default_currency"] = check_currency(str(fields["default_currency"]).upper())
    if "invoices_per_order" in fields and fields["invoices_per_order"] not in InvoicesPerOrder.values:
        raise ValidationFailed("invoices_per_order: one or many.", field="invoices_per_order")
    for name in _FORMATS:
        if name in fields:
            _check_number_format(name, str(fields[name]))
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    audit_record(actor=actor, obj=settings, action="settings.update", before=before, after=snapshot(settings, SETTINGS_FIELDS))
    return settings
