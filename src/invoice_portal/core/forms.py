"""Form plumbing shared by the seller app and the buyer portal: domain errors shown on fields, date inputs."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from invoice_portal.core.errors import DomainError, InvalidAmount
from invoice_portal.core.money import to_decimal
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


class NumberField(forms.CharField):
    """A number a person types (an amount, a price, a quantity, a rate), read by ``core.money.to_decimal``.

    The same rule as the API and the imports: "1,000.00" as the app writes it is read, "1e9" and an ambiguous
    "1,5" are refused in words. Sign and range are the domain's to judge (with ``allow_negative``).
    """

    def __init__(self, *, places: int, allow_negative: bool = True, **kwargs: Any) -> None:
        self.places, self.allow_negative = places, allow_negative
        attrs = {"inputmode": "decimal", "autocomplete": "off"}
        widget = kwargs.pop("widget", None) or forms.TextInput()
        widget.attrs = {**attrs, **widget.attrs}
        super().__init__(widget=widget, **kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return to_decimal(text, field="value", places=self.places, allow_negative=self.allow_negative)
        except InvalidAmount as exc:
            raise ValidationError(domain_message(exc), code=exc.code) from None


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


# --- Widgets written without templates ----------------------------------------------------------------
# Django writes every widget through templates: an <input> is three template renders, a <select> two per
# option more. A list page's filter bar has a dozen inputs and forty options on every request, about a
# third of the seller dashboard's fixed cost, so the form renderer writes the stock inputs and selects
# itself, the same markup as Django's templates (test_forms compares the two), and hands every other
# template (custom widgets, checkboxes, radios, form and field layouts) to the templates as before.

_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel")
)
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """``django/forms/widgets/attrs.html``: ' name="value"' each, a True attribute bare, a False one left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
    return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, (_attrs(widget["attrs"])))


def _select(widget: dict[str, Any]) -> str | None:
    parts: list[str] = [format_html('<select name="{}"{}>', widget["name"], (_attrs(widget["attrs"])))]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            if option["template_name"] != _OPTION_TEMPLATE:
                return None
            parts.append(format_html('\n  <option value="{}"{}>{}</option>\n', option["value"], (_attrs(option["attrs"])), option["label"]))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """The project's form renderer (``FORM_RENDERER``): Django's, with the stock inputs and selects written directly."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and template_name in _INPUT_TEMPLATES:
            return _input(widget)
        if widget is not None and template_name == _SELECT_TEMPLATE and (html := _select(widget)) is not None:
            return html
        return str(super().render(template_name, context, request=request))
