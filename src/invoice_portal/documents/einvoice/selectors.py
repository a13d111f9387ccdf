from __future__ import annotations

from django.db.models import Q, QuerySet

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.parse import Party
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Direction as OrderDirection
from invoice_portal.orders.models import Order

ELECTRONIC_MAIL_SCHEME = "EM"


class UnknownBuyer(DomainError):
    code = "unknown_buyer"
    status = 422
    title = "Unknown buyer"


def for_ubl(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """``invoices`` with everything ``invoice_ubl`` reads, in three queries for any number of documents."""
    return invoices.select_related("company", "order", "related_invoice").prefetch_related("lines")


def _vat(value: str) -> str:
    return "".join(value.split()).upper()


def company_for_buyer(buyer: Party) -> Company:
    """The customer an e-invoice's buyer party names: by its identifiers as our external id, then its VAT id,
    then its electronic address (an email endpoint as the company's email). ``UnknownBuyer`` (422) otherwise,
    or when a VAT id or address fits several customers."""
    customers = Company.objects.filter(is_customer=True)
    external_ids = [i.value for i in buyer.identifiers if i.value]
    if external_ids:
        found = list(customers.filter(external_id__in=external_ids)[:2])
        if len(found) == 1:
            return found[0]
    tried = [f"external id {', '.join(external_ids)}"] if external_ids else []
    if buyer.vat_id:
        tried.append(f"VAT id {buyer.vat_id}")
        found = list(customers.filter(Q(tax_id__iexact=buyer.vat_id.strip()) | Q(tax_id__iexact=_vat(buyer.vat_id)))[:2])
        if len(found) > 1:
            raise UnknownBuyer(f"Several customers have the VAT id {buyer.vat_id}; give the buyer our external id as its identifier.")
        if found:
            return found[0]
    endpoint = buyer.endpoint
    if endpoint is not None:
        tried.append(f"electronic address {endpoint.scheme}:{endpoint.value}")
        if endpoint.scheme.upper() == ELECTRONIC_MAIL_SCHEME:
            found = list(customers.filter(email__iexact=endpoint.value)[:2])
            if len(found) > 1:
                raise UnknownBuyer(f"Several customers have the email address {endpoint.value}.")
            if found:
                return found[0]
    raise UnknownBuyer(
        f"No customer matches the buyer {buyer.name or '(no name)'} ({'; '.join(tried) or 'no identifier, VAT id or address'}); "
        "create the customer, or give it the external id the document names."
    )


def order_for_reference(company: Company, reference: str) -> Order | None:
    """The sales order of ``company`` an e-invoice's order reference names: its external id, else its PO number if only one has it."""
    if not reference:
        return None
    orders = Order.objects.filter(company=company, direction=OrderDirection.SALES)
    by_id = orders.filter(external_id=reference).order_by("pk").first()
    if by_id is not None:
        return by_id
    by_po = list(orders.filter(po_number=reference)[:2])
    return by_po[0] if len(by_po) == 1 else None
