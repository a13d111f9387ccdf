"""Sortable column headers: the sort value a header links to, its arrow and its ``aria-sort``."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def sort_link(current: str, field: str) -> str:
    """The sort value a column header links to: ascending first, then descending."""
    return f"-{field}" if current == field else field


@register.filter
def sort_mark(current: str, field: str) -> str:
    if current == field:
        return "▲"
    if current == f"-{field}":
        return "▼"
    return ""


@register.filter
def aria_sort(current: str, field: str) -> str:
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"
