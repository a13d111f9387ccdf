from __future__ import annotations

from django.db.models import Q, QuerySet

from invoice_portal.companies.models import Company


def company_tree_ids(company_id: int) -> set[int]:
    """The company and all its subsidiaries, at any depth."""
    found = {company_id}
    frontier = {company_id}
    while frontier:
        children = set(Company.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= children
        frontier = children
    return found


def company_search(query: str = "") -> QuerySet[Company]:
    companies = Company.objects.all()
    if query:
        companies = companies.filter(Q(name__icontains=query) | Q(external_id__iexact=query))
    return companies.order_by("name")
