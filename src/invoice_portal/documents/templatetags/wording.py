"""A document's figures in its locale and currency (``documents.wording``), read from the template's context.

The context of a document carries ``currency`` and ``locale``; ``{% doc_money invoice.total %}`` prints
"$1,234.50" or "1.234,50 €" accordingly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from invoice_portal.documents import wording

register = template.Library()


@register.simple_tag(takes_context=True)
def doc_money(context: Any, amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return ""
    return wording.money_words(amount, currency or context["currency"], context["locale"])


@register.simple_tag(takes_context=True)
def doc_price(context: Any, amount: Decimal | None) -> str:
    return "" if amount is None else wording.price_words(amount, context["currency"], context["locale"])


@register.simple_tag(takes_context=True)
def doc_figure(context: Any, value: Decimal | None) -> str:
    return "" if value is None else wording.figure_words(value, context["locale"])


@register.simple_tag(takes_context=True)
def doc_tax(context: Any, category: str, rate: Decimal) -> str:
    return wording.tax_words(category, rate, context["locale"])
