from __future__ import annotations

from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record, snapshot
from invoice_portal.companies.leitweg import check_leitweg_id
from invoice_portal.companies.models import Company, EInvoiceFormat
from invoice_portal.companies.peppol import check_participant_id
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.money import check_currency

_EDITABLE = (
    "name", "external_id", "tax_id", "is_customer", "is_supplier", "parent", "currency", "payment_terms_days",
    "email", "phone", "address_line1", "address_line2", "city", "postal_code", "country",
    "peppol_scheme", "peppol_id", "einvoice_format", "leitweg_id",
)  # fmt: skip


def company_validate(company: Company) -> None:
    """Every rule a company's fields obey (cleaning them in place: ids trimmed, Peppol and Leitweg ids normalised);
    ``ValidationFailed`` on the first broken one. The services call it before writing; an import's dry run on a copy."""
    if not company.name.strip():
        raise ValidationFailed("A company needs a name.", field="name")
    check_currency(company.currency)
    if not (company.is_customer or company.is_supplier):
        raise ValidationFailed("A company is a customer, a supplier or both.", field="is_customer")
    ancestor = company.parent
    seen: set[int] = set()
    while ancestor is not None:
        if ancestor.pk == company.pk or ancestor.pk in seen:
            raise ValidationFailed("A company cannot be its own parent, directly or through others.", field="parent")
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    if company.external_id == "":
        company.external_id = None
    company.peppol_scheme, company.peppol_id = check_participant_id(company.peppol_scheme, company.peppol_id)
    company.leitweg_id = check_leitweg_id(company.leitweg_id)
    if company.einvoice_format not in EInvoiceFormat.values:
        raise ValidationFailed(f"einvoice_format: one of {', '.join(EInvoiceFormat.values)}.", field="einvoice_format")
    if company.einvoice_format in (EInvoiceFormat.PEPPOL_UBL, EInvoiceFormat.XRECHNUNG) and not company.peppol_id:
        raise ValidationFailed(
            "peppol_id: a customer who wants Peppol or XRechnung e-invoices needs its Peppol participant id.", field="peppol_id"
        )


@transaction.atomic
def company_create(*, actor: Any, name: str, **fields: Any) -> Company:
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise ValidationFailed(f"Unknown company fields: {', '.join(sorted(unknown))}.")
    company = Company(name=name, **fields)
    company_validate(company)
    if company.external_id and Company.objects.filter(external_id=company.external_id).exists():
        raise ValidationFailed(f"A company with external id '{company.external_id}' exists already.", field="external_id")
    company.save()
    audit_record(actor=actor, obj=company, action="company.create", after=snapshot(company, _EDITABLE))
    return company


@transaction.atomic
def company_update(*, actor: Any, company: Company, **fields: Any) -> Company:
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise ValidationFailed(f"Unknown company fields: {', '.join(sorted(unknown))}.")
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = snapshot(company, _EDITABLE)
    for key, value in fields.items():
        setattr(company, key, value)
    company_validate(company)
    if company.external_id and Company.objects.filter(external_id=company.external_id).exclude(pk=company.pk).exists():
        raise ValidationFailed(f"A company with external id '{company.external_id}' exists already.", field="external_id")
    company.save()
    audit_record(actor=actor, obj=company, action="company.update", before=before, after=snapshot(company, _EDITABLE))
    return company
