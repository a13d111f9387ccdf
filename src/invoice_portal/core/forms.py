"""Form plumbing shared by the seller app and the buyer portal: domain errors shown on fields, date inputs."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from invoice_portal.core.errors import DomainError
from invoice_portal.core.text import text_problem

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


def _text_rule(value: object) -> None:
    if isinstance(value, str) and (problem := text_problem(value)):
        raise ValidationError(f"This field {problem}.", code="control_characters")


class Form(forms.Form):
    """A form whose every text field follows the project's one text rule (``core.text``): no control characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(_text_rule)
