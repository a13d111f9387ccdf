"""Companies over the API: list/search, create, update, balance and credit. Seller staff only."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import require
from invoice_portal.api.pagination import paginate
from invoice_portal.api.schemas import (
    CREATE_ERRORS,
    READ_ERRORS,
    READ_ONE_ERRORS,
    WRITE_ERRORS,
    Currency,
    Cursor,
    Id,
    Limit,
    Name200,
    Page,
    SearchText,
    Text20,
    Text50,
    Text100,
    Text200,
    money,
    responses,
)
from invoice_portal.api.selectors import company_list
from invoice_portal.companies.models import Company, EInvoiceFormat
from invoice_portal.companies.services import company_create, company_update
from invoice_portal.core.errors import NotFound, ValidationFailed
from invoice_portal.core.prepared import Prepared
from invoice_portal.payments.selectors import company_position

router = Router()

EMAIL_PATTERN = r"^$|^[^@\s\x00]+@[^@\s\x00]+$"


class CompanyOut(Schema):
    id: int
    name: str
    external_id: str | None
    currency: str
    payment_terms_days: int
    parent: int | None
    tax_id: str
    is_customer: bool
    is_supplier: bool
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    peppol_scheme: str = Field(description="EAS scheme of the Peppol participant id (e.g. 0088 GLN, 0208, 9930)")
    peppol_id: str = Field(description="Peppol participant id under that scheme")
    einvoice_format: EInvoiceFormat = Field(description="The format issued documents are sent and downloaded in")
    leitweg_id: str = Field(description="Leitweg-ID of a German public customer: the buyer reference (BT-10) of its e-invoices")
    created_at: dt.datetime


class CompanyIn(Schema):
    name: Name200
    external_id: Text100 | None = Field(None, description="The ERP's id, unique")
    currency: Currency = "USD"
    payment_terms_days: int = Field(30, ge=0, le=3650, description="Days from issue to due date")
    parent: Id | None = None
    tax_id: Text50 = ""
    is_customer: bool = True
    is_supplier: bool = False
    email: str = Field("", max_length=254, pattern=EMAIL_PATTERN)
    phone: Text50 = ""
    address_line1: Text200 = ""
    address_line2: Text200 = ""
    city: Text100 = ""
    postal_code: Text20 = ""
    country: str = Field("", pattern=r"^([A-Z]{2})?$", description="ISO 3166-1 alpha-2")
    peppol_scheme: str = Field("", pattern=r"^(\d{4})?$", description="EAS code of the Peppol participant id, e.g. 0088")
    peppol_id: Text100 = Field("", description="Peppol participant id under that scheme (both or neither)")
    einvoice_format: EInvoiceFormat = EInvoiceFormat.PDF
    leitweg_id: str = Field("", max_length=46, description="Leitweg-ID (e.g. 04011000-1234512345-06), check digits mod 97-10")


class CompanyPatch(Schema):
    """Only the fields sent are changed."""

    name: Name200 | None = None
    external_id: Text100 | None = None
    currency: Currency | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=3650)
    parent: Id | None = None
    tax_id: Text50 | None = None
    is_customer: bool | None = None
    is_supplier: bool | None = None
    email: str | None = Field(None, max_length=254, pattern=EMAIL_PATTERN)
    phone: Text50 | None = None
    address_line1: Text200 | None = None
    address_line2: Text200 | None = None
    city: Text100 | None = None
    postal_code: Text20 | None = None
    country: str | None = Field(None, pattern=r"^([A-Z]{2})?$")
    peppol_scheme: str | None = Field(None, pattern=r"^(\d{4})?$")
    peppol_id: Text100 | None = None
    einvoice_format: EInvoiceFormat | None = None
    leitweg_id: str | None = Field(None, max_length=46)


class CompanyQuery(Schema):
    q: SearchText = Field("", description="Name (contains) or external id (exact)")
    name: SearchText = Field("", description="Name contains")
    external_id: SearchText = Field("", description="External id, exact")
    sort: Literal["name", "-name", "id", "-id"] = "name"
    limit: Limit = 50
    cursor: Cursor | None = None


class BalanceOut(Schema):
    company: int
    currency: str
    open_balance: str = Field(description="Owed on open and partially paid invoices and debit notes")
    overdue_balance: str
    unallocated_payments: str = Field(description="Payments not yet allocated to invoices")
    unapplied_credit_notes: str
    credit: str = Field(description="Credit on account: unallocated payments plus unapplied credit notes")


class BalanceQuery(Schema):
    currency: Currency | None = Field(None, description="Defaults to the company's currency")


def company_out(company: Company) -> dict[str, Any]:
    return {
        "id": company.pk, "name": company.name, "external_id": company.external_id, "currency": company.currency,
        "payment_terms_days": company.payment_terms_days, "parent": company.parent_id, "tax_id": company.tax_id,
        "is_customer": company.is_customer, "is_supplier": company.is_supplier, "email": company.email,
        "phone": company.phone, "address_line1": company.address_line1, "address_line2": company.address_line2,
        "city": company.city, "postal_code": company.postal_code, "country": company.country,
        "peppol_scheme": company.peppol_scheme, "peppol_id": company.peppol_id, "einvoice_format": company.einvoice_format,
        "leitweg_id": company.leitweg_id, "created_at": company.created_at,
    }  # fmt: skip


# Every request that names a company reads it: its statement is built once (``core.prepared``).
_COMPANY = Prepared(lambda pk: Company.objects.filter(pk=pk), pk=int)


def _company(company_id: int) -> Company | None:
    return _COMPANY.first(pk=company_id) if type(company_id) is int else Company.objects.filter(pk=company_id).first()


def get_company(company_id: int) -> Company:
    company = _company(company_id)
    if company is None:
        raise NotFound(f"No company {company_id}.")
    return company


def company_reference(company_id: int, *, field: str = "company") -> Company:
    """A company named in a request body: unknown → a 422 on that field (not a 404 of the endpoint)."""
    company = _company(company_id)
    if company is None:
        raise ValidationFailed(f"{field}: no company {company_id}.", field=field)
    return company


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    if "parent" in data:
        data["parent"] = None if data["parent"] is None else company_reference(data["parent"], field="parent")
    if data.get("external_id") == "":
        data["external_id"] = None
    return data


@router.get("", response=responses({200: Page[CompanyOut]}, READ_ERRORS), summary="List and search companies")
def list_companies(request: HttpRequest, filters: Query[CompanyQuery]) -> dict[str, Any]:
    require(request, "customers.view")
    rows, cursor = paginate(
        company_list(q=filters.q, name=filters.name, external_id=filters.external_id, sort=filters.sort),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [company_out(c) for c in rows], "next_cursor": cursor}


@router.post("", response=responses({201: CompanyOut}, CREATE_ERRORS), summary="Create a company")
def create_company(request: HttpRequest, payload: CompanyIn) -> Status:
    user = require(request, "customers.edit")
    data = _fields(payload.model_dump())
    company = company_create(actor=user, **data)
    return Status(201, company_out(company))


@router.get("/{company_id}", response=responses({200: CompanyOut}, READ_ONE_ERRORS), summary="Get a company")
def get_company_detail(request: HttpRequest, company_id: Id) -> dict[str, Any]:
    require(request, "customers.view")
    return company_out(get_company(company_id))


@router.patch("/{company_id}", response=responses({200: CompanyOut}, WRITE_ERRORS), summary="Update a company")
def update_company(request: HttpRequest, company_id: Id, payload: CompanyPatch) -> dict[str, Any]:
    user = require(request, "customers.edit")
    company = get_company(company_id)
    data = payload.model_dump(exclude_unset=True)
    for name in ("name", "currency", "payment_terms_days", "tax_id", "is_customer", "is_supplier", "email", "phone",
                 "address_line1", "address_line2", "city", "postal_code", "country", "peppol_scheme", "peppol_id",
                 "einvoice_format", "leitweg_id"):  # fmt: skip
        if name in data and data[name] is None:
            raise ValidationFailed(f"{name}: may not be null.", field=name)
    company = company_update(actor=user, company=company, **_fields(data))
    return company_out(company)


@router.get("/{company_id}/balance", response=responses({200: BalanceOut}, READ_ONE_ERRORS), summary="Balance and credit on account")
def company_balance(request: HttpRequest, company_id: Id, query: Query[BalanceQuery]) -> dict[str, Any]:
    require(request, "customers.view")
    company = get_company(company_id)
    currency = query.currency or company.currency
    position = company_position(company.pk, currency)
    return {
        "company": company.pk,
        "currency": currency,
        "open_balance": money(position.open_balance, currency),
        "overdue_balance": money(position.overdue_balance, currency),
        "unallocated_payments": money(position.unallocated_payments, currency),
        "unapplied_credit_notes": money(position.unapplied_credit_notes, currency),
        "credit": money(position.credit, currency),
    }
