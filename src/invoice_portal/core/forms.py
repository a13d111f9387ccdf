"""Form plumbing shared by the seller app and the buyer portal: domain errors shown on fields, date inputs."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from invoice_portal.core.errors import DomainError

_FIELD_PREFIX = re.compile(r"^[\w\[\].]+: ")


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def domain_message(exc: DomainError) -> str:
    """The service's message without its leading ``field:`` (the form shows it beside the field)."""
    return _FIELD_PREFIX.sub("", exc.message, count=1) if exc.field else exc.message


def attach_error(form: forms.Form, exc: DomainError, *, fields: dict[str, str] | None = None) -> None:
    """Show a domain error on the field it names (``fields`` maps service names to form names), else on the form."""
    name = (fields or {}).get(exc.field or "", exc.field)
    if name and name in form.fields:
        form.add_error(name, domain_message(exc))
    else:
        form.add_error(None, exc.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
