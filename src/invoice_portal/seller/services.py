"""The writes the seller app owns: the operator's portal settings, its logo and its billing settings.

No other module changes ``PortalSettings`` yet; these transitions belong in ``core`` and
should move there when core gains a services module.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from invoice_portal.audit.services import audit_record, snapshot
from invoice_portal.companies.peppol import check_participant_id
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.models import InvoicesPerOrder, PortalSettings
from invoice_portal.core.money import check_currency
from invoice_portal.core.numbering import format_number, parse_number_format

SETTINGS_FIELDS = (
    "seller_name", "seller_tax_id", "seller_address", "seller_email", "seller_country", "default_currency", "default_payment_terms_days",
    "invoices_per_order", "invoice_number_format", "credit_note_number_format", "debit_note_number_format",
    "seller_peppol_scheme", "seller_peppol_id", "seller_contact_name", "seller_phone", "seller_iban",
)  # fmt: skip
_FORMATS = ("invoice_number_format", "credit_note_number_format", "debit_note_number_format")

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 4000  # pixels; a logo is printed a few centimetres wide
# Only raster formats: an SVG can carry scripts and references to outside resources.
_LOGO_FORMATS = {b"\x89PNG\r\n\x1a\n": ("PNG", "png"), b"\xff\xd8\xff": ("JPEG", "jpg")}


def _check_country(code: str) -> str:
    """An ISO 3166-1 alpha-2 code (upper-cased), or "" for none."""
    from invoice_portal.documents.einvoice.parties import country_code

    code = code.strip().upper()
    if code and (len(code) != 2 or country_code(code) != code):
        raise ValidationFailed(f"seller_country: '{code}' is not a two-letter ISO country code (US, DE, GB, …).", field="seller_country")
    return code


def _check_number_format(name: str, template: str) -> None:
    """A format must number every document differently: it needs {seq}, and must render."""
    try:
        parts = parse_number_format(template)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message.replace("number format", name, 1), field=name) from None
    if not any(getattr(part, "name", "") == "seq" for part in parts):
        raise ValidationFailed(f"{name}: include {{seq}} (for example INV-{{year}}-{{seq:06d}}).", field=name)
    first, second = format_number(template, year=2026, seq=1), format_number(template, year=2026, seq=2)
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
    if "seller_country" in fields:
        fields["seller_country"] = _check_country(str(fields["seller_country"] or ""))
    if "seller_peppol_scheme" in fields or "seller_peppol_id" in fields:
        fields["seller_peppol_scheme"], fields["seller_peppol_id"] = check_participant_id(
            str(fields.get("seller_peppol_scheme", settings.seller_peppol_scheme) or ""),
            str(fields.get("seller_peppol_id", settings.seller_peppol_id) or ""),
            field="seller_peppol_id",
        )
    if "seller_iban" in fields:
        fields["seller_iban"] = "".join(str(fields["seller_iban"] or "").split()).upper()
        if fields["seller_iban"] and not fields["seller_iban"].isalnum():
            raise ValidationFailed("seller_iban: an account number has letters and digits only.", field="seller_iban")
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


def _logo_format(content: bytes) -> str:
    """The file extension of a logo that really is a PNG or JPEG of sensible size, judged by its content
    (never by the name it was uploaded under); ``ValidationFailed`` on ``logo`` otherwise."""
    from PIL import Image  # Pillow comes with WeasyPrint

    if not content:
        raise ValidationFailed("logo: the file is empty.", field="logo")
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationFailed(f"logo: the file is larger than {LOGO_MAX_BYTES // 1024 // 1024} MB; upload a smaller one.", field="logo")
    found = next((fmt for magic, fmt in _LOGO_FORMATS.items() if content.startswith(magic)), None)
    if found is None:
        raise ValidationFailed("logo: only PNG or JPEG images can be used as the logo.", field="logo")
    pillow_format, extension = found
    try:
        with Image.open(io.BytesIO(content)) as image:
            detected, (width, height) = image.format, image.size
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of error for a damaged, disguised or oversized image
        raise ValidationFailed(f"logo: the file is not a readable {pillow_format} image.", field="logo") from None
    if detected != pillow_format:
        raise ValidationFailed(f"logo: the file is not a readable {pillow_format} image.", field="logo")
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
        raise ValidationFailed(f"logo: the image is {width}×{height} pixels; at most {LOGO_MAX_SIDE} on each side.", field="logo")
    return extension


@transaction.atomic
def portal_settings_set_logo(*, actor: Any, content: bytes | None, filename: str = "") -> PortalSettings:
    """Replace the logo printed on documents (``content`` a PNG or JPEG of at most 1 MB), or remove it (``None``).

    The file is named by its content hash, so the name changes with the picture and the PDF cache keys on it.
    The replaced file is deleted only after the change commits: a rollback leaves the old logo in place.
    """
    extension = _logo_format(content) if content is not None else ""
    PortalSettings.objects.get_or_create(pk=1)
    settings = PortalSettings.objects.select_for_update().get(pk=1)
    old_name = settings.logo.name or ""
    if content is None:
        if not old_name:
            return settings
        settings.logo = ""
    else:
        digest = hashlib.sha256(content).hexdigest()[:16]
        settings.logo.save(f"logo-{digest}.{extension}", ContentFile(content), save=False)
    settings.save(update_fields=["logo"])
    new_name = settings.logo.name or ""
    if old_name and old_name != new_name:
        storage = settings.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    after: dict[str, Any] = {"logo": new_name}
    if content is not None:
        after.update(filename=filename[:200], size=len(content))
    audit_record(actor=actor, obj=settings, action="settings.logo", before={"logo": old_name}, after=after)
    return settings


PAYMENT_INSTRUCTION_MAX = 2000


@transaction.atomic
def billing_settings_update(*, actor: Any, payment_instruction: str) -> PortalSettings:
    """Change the default "How to pay" printed on invoices and debit notes without instructions of their own; audited."""
    text = "\n".join(row.rstrip() for row in str(payment_instruction or "").strip().splitlines())
    if len(text) > PAYMENT_INSTRUCTION_MAX:
        raise ValidationFailed(
            f"payment_instruction: at most {PAYMENT_INSTRUCTION_MAX} characters (it is printed on every invoice).",
            field="payment_instruction",
        )
    PortalSettings.objects.get_or_create(pk=1)
    current = PortalSettings.objects.select_for_update().get(pk=1)
    before = snapshot(current, ("payment_instruction",))
    if current.payment_instruction == text:
        return current
    current.payment_instruction = text
    current.save()
    audit_record(actor=actor, obj=current, action="settings.billing", before=before, after=snapshot(current, ("payment_instruction",)))
    return current
