"""Badges in templates: one coloured ``<span>``. The badges of a status live with its noun
(``invoice_badges``, ``payment_badges``, ``message_badges``), built with ``badge_html``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def badge_html(label: str, colour: str) -> SafeString:
    # The trailing newline is the whitespace between two badges written back to back in a template.
    return format_html('<span class="badge badge-{}">{}</span>\n', colour, label)


@register.simple_tag
def badge(label: str, colour: str = "grey") -> SafeString:
    return badge_html(label, colour)
