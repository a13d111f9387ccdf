"""Importing companies (customers and suppliers) from the ERP, upserted by external id.

Each document is one row. Planning checks every field with the companies' own rules
(``companies.services.company_validate``: the Peppol participant id against the EAS list and its
scheme's check digits, the Leitweg-ID, the currency, the e-invoice format) on a copy, so a dry run
reports exactly what applying would refuse; applying goes through ``company_create`` / ``company_update``.
On an update an empty cell keeps the company's value.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_create, company_update, company_validate
from invoice_portal.core.errors import DomainError, ValidationFailed
from invoice_portal.imports.errors import CellError, ErrorLog
from invoice_portal.imports.kinds.base import Action, BatchKind, Document, Results
from invoice_portal.imports.models import ImportKind
from invoice_portal.imports.reader import Group, Row

# Columns written as they are (text); the flags and the terms are converted below.
_TEXT = (
    "name", "tax_id", "email", "phone", "address_line1", "address_line2", "city", "postal_code", "country", "currency",
    "peppol_scheme", "peppol_id", "einvoice_format", "leitweg_id",
)  # fmt: skip
_FLAGS = ("is_customer", "is_supplier")


@dataclass
class CompanyPlan:
    document: Document
    action: Action
    existing: Company | None
    fields: dict[str, Any] = field(default_factory=dict)


def _fields(document: Document) -> dict[str, Any]:
    fields: dict[str, Any] = {name: document.get(name) for name in _TEXT if document.get(name)}
    fields.update({name: document.get(name) == "true" for name in _FLAGS if document.get(name)})
    if terms := document.get("payment_terms_days"):
        if not terms.isascii() or not terms.isdigit() or int(terms) > 3650:
            raise CellError("payment_terms_days", f"'{terms}' is not a whole number of days from 0 to 3650.")
        fields["payment_terms_days"] = int(terms)
    if "country" in fields:
        fields["country"] = fields["country"].upper()
        if not (len(fields["country"]) == 2 and fields["country"].isascii() and fields["country"].isalpha()):
            raise CellError("country", f"'{document.get('country')}' is not a two-letter country code (ISO 3166-1, e.g. DE).")
    if "email" in fields:
        try:
            validate_email(fields["email"])
        except DjangoValidationError:
            raise CellError("email", f"'{fields['email']}' is not an e-mail address.") from None
    return fields


class CompanyKind(BatchKind):
    kind = ImportKind.COMPANIES
    label = "company"

    def key(self, row: Row) -> tuple[str, ...]:
        return (row.get("external_id"),)

    def plan(self, groups: Sequence[Group], errors: ErrorLog) -> list[CompanyPlan]:
        documents = [d for g in groups if (d := self.document(g, errors)) is not None]
        existing = {c.external_id: c for c in Company.objects.filter(external_id__in=[d.external_id for d in documents])}
        plans = []
        for document in documents:
            try:
                plans.append(self._plan_one(document, existing.get(document.external_id)))
            except CellError as exc:
                errors.add(document.row(exc.column), exc.column, exc.message)
            except ValidationFailed as exc:
                self.locate(exc, document, errors)
        return plans

    def _plan_one(self, document: Document, current: Company | None) -> CompanyPlan:
        fields = _fields(document)
        if current is None and not fields.get("name"):
            raise CellError("name", "Required for a new company.")
        candidate = copy.copy(current) if current is not None else Company(external_id=document.external_id)
        for name, value in fields.items():
            setattr(candidate, name, value)
        company_validate(candidate)  # the services' own rules, on a copy: nothing is written while planning
        if current is None:
            return CompanyPlan(document, Action.CREATED, None, {"external_id": document.external_id, **fields})
        changed = any(getattr(candidate, name) != getattr(current, name) for name in fields)
        return CompanyPlan(document, Action.UPDATED if changed else Action.UNCHANGED, current, fields)

    def apply(self, plans: Sequence[CompanyPlan], errors: ErrorLog, results: Results) -> None:
        for plan in plans:
            company = plan.existing
            try:
                with transaction.atomic():
                    if plan.action == Action.CREATED:
                        company = company_create(actor=self.actor, **plan.fields)
                    elif plan.action == Action.UPDATED:
                        assert company is not None
                        company = company_update(actor=self.actor, company=company, **plan.fields)
            except DomainError as exc:
                self.locate(exc, plan.document, errors)
                continue
            assert company is not None
            results.record(
                rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=company.pk
            )
