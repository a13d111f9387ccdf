from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

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
    return companies_for_buyers([buyer])[0]


def companies_for_buyers(buyers: Sequence[Party]) -> list[Company]:
    """``company_for_buyer`` for many buyer parties, in the documents' order, with one query per way of naming a
    customer (external id, VAT id, Peppol id, email) for all of them: each way is asked only for the parties the
    ways before it left unresolved. The first party (in order) that names no customer, or several, raises its
    ``UnknownBuyer``, as the look-ups one by one would."""
    customers = Company.objects.filter(is_customer=True)
    found: dict[int, Company | UnknownBuyer] = {}
    tried: list[list[str]] = [[] for _ in buyers]

    def pending() -> list[int]:
        return [n for n in range(len(buyers)) if n not in found]

    def resolve(n: int, matches: Iterable[Company], several: str) -> None:
        unique = {company.pk: company for company in matches}
        if len(unique) > 1:
            found[n] = UnknownBuyer(several)
        elif unique:
            found[n] = unique.popitem()[1]

    external_ids = {n: {i.value for i in buyers[n].identifiers if i.value} for n in range(len(buyers))}
    if wanted := set().union(*external_ids.values()):
        by_external: dict[str, list[Company]] = defaultdict(list)
        for company in customers.filter(external_id__in=wanted):
            by_external[company.external_id or ""].append(company)
        for n, values in external_ids.items():
            matches = {c.pk: c for v in values for c in by_external.get(v, ())}
            if len(matches) == 1:
                found[n] = matches.popitem()[1]
    for n, values in external_ids.items():
        if values:
            tried[n].append(f"external id {', '.join(i.value for i in buyers[n].identifiers if i.value)}")

    vat_keys = {n: {buyers[n].vat_id.strip().upper(), _vat(buyers[n].vat_id)} for n in pending() if buyers[n].vat_id}
    if vat_keys:
        by_vat: dict[str, list[Company]] = defaultdict(list)
        for company in customers.annotate(tax_key=Upper("tax_id")).filter(tax_key__in=set().union(*vat_keys.values())):
            by_vat[company.tax_key].append(company)
        for n, keys in vat_keys.items():
            vat_id = buyers[n].vat_id
            tried[n].append(f"VAT id {vat_id}")
            several = f"Several customers have the VAT id {vat_id}; give the buyer our external id as its identifier."
            resolve(n, (c for key in keys for c in by_vat.get(key, ())), several)

    endpoints = {n: endpoint for n in pending() if (endpoint := buyers[n].endpoint) is not None}
    if endpoints:
        by_peppol: dict[tuple[str, str], list[Company]] = defaultdict(list)
        peppol = customers.annotate(peppol_key=Upper("peppol_id")).filter(
            peppol_scheme__in={e.scheme for e in endpoints.values()}, peppol_key__in={e.value.upper() for e in endpoints.values()}
        )
        for company in peppol:
            by_peppol[(company.peppol_scheme, company.peppol_key)].append(company)
        for n, endpoint in endpoints.items():
            tried[n].append(f"electronic address {endpoint.scheme}:{endpoint.value}")
            several = f"Several customers have the Peppol participant id {endpoint.scheme}:{endpoint.value}."
            resolve(n, by_peppol.get((endpoint.scheme, endpoint.value.upper()), ()), several)
    emails = {n: e.value for n, e in endpoints.items() if n not in found and e.scheme.upper() == ELECTRONIC_MAIL_SCHEME}
    if emails:
        by_email: dict[str, list[Company]] = defaultdict(list)
        for company in customers.annotate(email_key=Upper("email")).filter(email_key__in={e.upper() for e in emails.values()}):
            by_email[company.email_key].append(company)
        for n, email in emails.items():
            resolve(n, by_email.get(email.upper(), ()), f"Several customers have the email address {email}.")

    companies = []
    for n, buyer in enumerate(buyers):
        answer = found.get(n)
        if answer is None:
            answer = UnknownBuyer(
                f"No customer matches the buyer {buyer.name or '(no name)'} "
                f"({'; '.join(tried[n]) or 'no identifier, VAT id or address'}); "
                "create the customer, or give it the external id the document names."
            )
        if isinstance(answer, UnknownBuyer):
            raise answer
        companies.append(answer)
    return companies


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
