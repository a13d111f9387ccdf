from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

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
    then its electronic address (the company's Peppol participant id; an email address, scheme EM, as its
    email). ``UnknownBuyer`` (422) otherwise,
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
        found = list(customers.filter(peppol_scheme=endpoint.scheme, peppol_id__iexact=endpoint.value)[:2])
        if len(found) > 1:
            raise UnknownBuyer(f"Several customers have the Peppol participant id {endpoint.scheme}:{endpoint.value}.")
        if found:
            return found[0]
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
    return orders_for_references([(company, reference)]).get((company.pk, reference))


def orders_for_references(pairs: Iterable[tuple[Company, str]]) -> dict[tuple[int, str], Order | None]:
    """``order_for_reference`` for many (company, reference) pairs in one query; keyed by (company id, reference)."""
    wanted = {(company.pk, reference) for company, reference in pairs if reference}
    if not wanted:
        return {}
    references = {reference for _, reference in wanted}
    found = Order.objects.filter(
        Q(external_id__in=references) | Q(po_number__in=references),
        company_id__in={pk for pk, _ in wanted}, direction=OrderDirection.SALES,
    ).order_by("pk")  # fmt: skip
    by_id: dict[tuple[int, str], Order] = {}
    by_po: dict[tuple[int, str], list[Order]] = defaultdict(list)
    for order in found:
        by_id.setdefault((order.company_id, order.external_id), order)
        by_po[(order.company_id, order.po_number)].append(order)
    result: dict[tuple[int, str], Order | None] = {}
    for key in wanted:
        po = by_po.get(key, [])
        result[key] = by_id.get(key) or (po[0] if len(po) == 1 else None)
    return result
