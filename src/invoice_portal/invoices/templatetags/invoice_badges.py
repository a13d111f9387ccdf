"""Invoice statuses and types in templates (``{% load invoice_badges %}``), always in the words the Admin gave them
(``invoices.wording``), looked up once per request.

``{% invoice_badge status %}`` and ``{% document_badge document %}``: a status as a coloured badge;
``{% status_label document %}`` and ``{% kind_label document %}``: the words alone.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.invoices.models import Invoice, Kind, Status
from invoice_portal.invoices.wording import Wording, current_wording, request_wording

register = template.Library()

_CACHE = "_invoice_wording"


def wording_of(context: template.Context) -> Wording:
    """The wording in force, read once per request (once per render where there is no request: a PDF, an email)."""
    request = context.get("request")
    if request is not None:
        return request_wording(request)
    holder: Any = context.render_context
    if _CACHE not in holder:
        holder[_CACHE] = current_wording()
    return holder[_CACHE]


@register.simple_tag(takes_context=True)
def invoice_badge(context: template.Context, status: str, label: str = "", kind: str = Kind.INVOICE) -> SafeString:
    return badge_html(label or wording_of(context).status(status, kind), Status.colour(status))


@register.simple_tag(takes_context=True)
def document_badge(context: template.Context, document: Invoice) -> SafeString:
    """The status badge of an invoice, debit note or credit note, in the words of its kind ("Applied", not "Paid")."""
    return badge_html(_status_words(context, document), document.status_colour)


@register.simple_tag(takes_context=True)
def status_label(context: template.Context, document: Invoice) -> str:
    return _status_words(context, document)


@register.simple_tag(takes_context=True)
def kind_label(context: template.Context, document: Invoice) -> str:
    return wording_of(context).kind(document.kind)


def _status_words(context: template.Context, document: Invoice) -> str:
    """The Admin's words for the document's status; an issued zero-total document reads "Nothing to pay" (docs/domain.md)."""
    return wording_of(context).of(document)
