from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from invoice_portal.companies.models import Company


def company_tree_ids(company_id: int) -> set[int]:
    """The company and all its subsidiaries, at any depth, in one recursive query (UNION stops at a cycle)."""
    table = Company._meta.db_table
    sql = (
        "WITH RECURSIVE tree(id) AS ("  # the seed is cast so PostgreSQL gives the recursive column one type
        f"SELECT CAST(%s AS BIGINT) UNION SELECT c.id FROM {table} c JOIN tree ON c.parent_id = tree.id"
        ") SELECT id FROM tree"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company_id])
        return {row[0] for row in cursor.fetchall()}


def company_search(query: str = "") -> QuerySet[Company]:
    companies = Company.objects.all()
    if query:
        companies = companies.filter(Q(name__icontains=query) | Q(external_id__iexact=query))
    return companies.order_by("name")
