"""Page-number pagination that never counts a million rows.

An exact COUNT(*) over a large filtered set costs more than the page itself (160 ms at 1M invoices on
the bench). Past ``CAP`` rows the count stops and the page says "10,000+": a person narrows the
filter long before paging that far, and exports take the whole set anyway.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet

CAP = 10_000


def _capped_ids(rows: QuerySet[Any], cap: int) -> QuerySet[Any]:
    # Only the keys are counted: annotations made for display (a dispute badge per row) are not evaluated.
    return rows.order_by().values("pk")[: cap + 1]


def _statement(ids: QuerySet[Any]) -> tuple[Any, ...] | None:
    """The count's statement as its database, text and parameters (equal statements count the same rows); None for
    rows that need no statement (``.none()``)."""
    try:
        sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    except EmptyResultSet:
        return None
    return (ids.db, sql, tuple(params))


def counted[M: Model](rows: QuerySet[M], cap: int = CAP) -> tuple[QuerySet[M], int]:
    """A copy of ``rows`` and how many there are, counted up to ``cap + 1`` (``cap + 1`` meaning "more than ``cap``").

    The copy, and every queryset made from it (ordered, annotated), remembers the figure with the statement that
    counted it: a ``CappedPaginator`` handed such rows counts again only if that statement changed, e.g. a filter
    was added since. A selector that has to count its matches anyway (``invoices.selectors``: a number search)
    so spares its page the same count a second time.
    """
    rows = rows.all()
    ids = _capped_ids(rows, cap)
    number = int(ids.count())
    if (statement := _statement(ids)) is not None:
        cast(Any, rows.query).capped_count = (statement, number)
    return rows, number


def capped_count(rows: QuerySet[Any], cap: int = CAP) -> int:
    """How many ``rows`` there are, up to ``cap + 1``: the figure ``counted`` remembered for this very statement, or
    else one statement that counts them."""
    ids = _capped_ids(rows, cap)
    remembered = getattr(rows.query, "capped_count", None)
    if remembered is not None and remembered[0] == _statement(ids):
        return int(remembered[1])
    return int(ids.count())


class CappedPaginator(Paginator):
    cap = CAP

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        if hasattr(rows, "count") and hasattr(rows, "query"):
            return capped_count(rows, self.cap)
        return len(rows)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return f"{self.cap:,}+" if self.is_capped else f"{self.count:,}"

    @property
    def pages_label(self) -> str:
        return f"{self.num_pages:,}+" if self.is_capped else f"{self.num_pages:,}"


def paginate_rows(rows: Any, page: str | None, per_page: int) -> Any:
    """The requested page; an out-of-range or malformed page number gives the nearest page."""
    return CappedPaginator(rows, per_page).get_page(page)
