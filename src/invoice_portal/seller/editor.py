"""The invoice editor: a header form and a formset of item and cost lines.

The forms only parse what was typed. Lines, totals and the status table's rules are the
domain's: ``invoice_create`` / ``invoice_update`` validate and write, ``compute_totals``
gives the preview, and their errors are shown on the row and field they name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict

from invoice_portal.core.errors import DomainError, ValidationFailed
from invoice_portal.core.forms import Form as TextRuleForm
from invoice_portal.core.forms import NumberField
from invoice_portal.core.money import QUANTITY_PLACES, TAX_RATE_PLACES, UNIT_PRICE_PLACES, format_money, minor_digits, to_decimal
from invoice_portal.invoices.lines import parse_lines, resolve_discount_tax
from invoice_portal.invoices.models import Invoice, LineKind, TaxCategory
from invoice_portal.invoices.totals import Totals, compute_totals, line_roundings
from invoice_portal.seller.forms import DateInput, domain_message, plain_number

PREFIX = "lines"
_LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")
# A line's fields as a sentence names them ("Line 1, quantity: must not be negative").
_FIELD_WORDS = {"quantity": "quantity", "unit_price": "unit price", "discount": "line discount", "tax_rate": "VAT rate",
                "tax_category": "VAT category", "description": "description", "sku": "SKU", "kind": "type",
                "unit_code": "unit"}  # fmt: skip
_HEADER = ("issue_date", "due_date", "service_start", "service_end", "po_number", "notes", "payment_instructions")


class LineForm(TextRuleForm):
    kind = forms.ChoiceField(choices=[(LineKind.ITEM, "Item"), (LineKind.COST, "Cost")], initial=LineKind.ITEM, label="Type",
                             help_text="Cost: shipping, handling, fees")  # fmt: skip
    sku = forms.CharField(required=False, max_length=100, label="SKU", widget=forms.TextInput(attrs={"size": 8}))
    description = forms.CharField(required=False, max_length=500)
    quantity = NumberField(required=False, places=QUANTITY_PLACES, label="Qty", widget=forms.TextInput(attrs={"size": 5}))
    unit_price = NumberField(required=False, places=UNIT_PRICE_PLACES, label="Unit price", widget=forms.TextInput(attrs={"size": 8}))
    discount = NumberField(required=False, places=UNIT_PRICE_PLACES, label="Line discount", widget=forms.TextInput(attrs={"size": 6}))
    tax_category = forms.ChoiceField(
        required=False,
        choices=[("", "Auto"), *((c.value, f"{c.value} – {c.label}") for c in TaxCategory)],
        label="VAT category",
        help_text="Auto: S with a rate, Z without",
    )
    tax_rate = NumberField(required=False, places=TAX_RATE_PLACES, label="VAT %", widget=forms.TextInput(attrs={"size": 4}))
    unit_code = forms.CharField(required=False, max_length=3, widget=forms.HiddenInput())
    order_line_id = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def is_blank(self) -> bool:
        cd = getattr(self, "cleaned_data", {})
        return not cd or not any(cd.get(name) not in (None, "") for name in ("description", "unit_price", "sku"))

    def as_line(self) -> dict[str, Any]:
        """The line as the domain's ``parse_lines`` takes it; unset numbers keep the service's defaults."""
        cd = self.cleaned_data
        line: dict[str, Any] = {
            "kind": cd.get("kind") or LineKind.ITEM,
            "sku": cd.get("sku") or "",
            "description": cd.get("description") or "",
        }
        for name in ("quantity", "unit_price", "discount", "tax_rate"):
            if cd.get(name) is not None:
                line[name] = cd[name]
        if "unit_price" not in line:
            line["unit_price"] = ""
        if cd.get("tax_category"):
            line["tax_category"] = cd["tax_category"]
        if cd.get("unit_code"):
            line["unit_code"] = cd["unit_code"]
        if cd.get("order_line_id"):
            line["order_line_id"] = cd["order_line_id"]
        return line


LineFormSet: type[BaseFormSet[LineForm]] = formset_factory(LineForm, extra=0, can_delete=True, max_num=1000, validate_max=True)


class HeaderForm(TextRuleForm):
    issue_date = forms.DateField(required=False, widget=DateInput(), help_text="Empty: the day it is issued")
    due_date = forms.DateField(required=False, widget=DateInput(), help_text="Empty: from the customer's payment terms")
    service_start = forms.DateField(required=False, widget=DateInput(), label="Service from")
    service_end = forms.DateField(required=False, widget=DateInput(), label="Service to")
    po_number = forms.CharField(required=False, max_length=100, label="Customer PO number")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    payment_instructions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    discount = NumberField(required=False, places=UNIT_PRICE_PLACES, allow_negative=False, label="Invoice discount (net)")
    discount_tax_category = forms.ChoiceField(
        required=False, choices=[("", "As the lines"), *TaxCategory.choices], label="Discount VAT category"
    )
    discount_tax_rate = NumberField(required=False, places=TAX_RATE_PLACES, label="Discount VAT %")

    def header(self) -> dict[str, Any]:
        cd = self.cleaned_data
        values: dict[str, Any] = {name: cd.get(name) for name in _HEADER}
        for name in ("po_number", "notes", "payment_instructions"):
            values[name] = values[name] or ""
        values["discount"] = cd.get("discount") or Decimal(0)
        values["discount_tax_category"] = cd.get("discount_tax_category") or ""
        values["discount_tax_rate"] = cd.get("discount_tax_rate")
        return values


@dataclass
class Preview:
    totals: Totals | None = None
    error: str = ""
    notices: list[str] = field(default_factory=list)


@dataclass
class Editor:
    header: HeaderForm
    lines: BaseFormSet[LineForm]
    errors: list[str] = field(default_factory=list)
    _rows: list[int] = field(default_factory=list)

    def is_valid(self) -> bool:
        header_ok = self.header.is_valid()
        lines_ok = self.lines.is_valid()
        return header_ok and lines_ok

    def line_dicts(self) -> list[dict[str, Any]]:
        """The lines to save, in order; deleted and empty rows are left out."""
        result: list[dict[str, Any]] = []
        self._rows = []
        for index, form in enumerate(self.lines.forms):
            if getattr(form, "cleaned_data", {}).get("DELETE"):
                continue
            if form.is_blank():
                continue
            result.append(form.as_line())
            self._rows.append(index)
        return result

    def attach(self, exc: DomainError) -> str:
        """Put a domain error on the line row and field it names, a header field, or the top of the form.

        Returns the error as a person reads it in a summary ("Line 1, quantity: must not be negative"), never the
        service's path ("lines[0].quantity"); the field itself shows the message once, beside it.
        """
        form, name, words = self._place(exc)
        if form is not None:
            form.add_error(name, domain_message(exc))
        self.errors.append(words)
        return words

    def _place(self, exc: DomainError) -> tuple[forms.Form | None, str | None, str]:
        """The form and field a domain error belongs to, and the error in words naming the row the person sees."""
        match = _LINE_FIELD.match(exc.field or "")
        if match and int(match.group(1)) < len(self._rows):
            row = self._rows[int(match.group(1))]
            form: forms.Form = self.lines.forms[row]
            name = match.group(2)
            if name in form.fields:
                return form, name, f"Line {row + 1}, {_FIELD_WORDS.get(name, name)}: {domain_message(exc)}"
            return form, None, f"Line {row + 1}: {domain_message(exc)}"
        if exc.field and exc.field in self.header.fields:
            return self.header, exc.field, f"{self.header.fields[exc.field].label}: {domain_message(exc)}"
        return None, None, exc.message

    def preview(self, currency: str) -> Preview:
        """Totals of what is typed, computed by the domain's one totals function; nothing is saved."""
        if not self.lines.is_bound:
            header = {"discount": Decimal(0), "discount_tax_category": "", "discount_tax_rate": None, **self.header.initial}
            lines = [_initial_line(row) for row in self.lines.initial or [] if row.get("description")]
        elif not self.is_valid():
            return Preview(error="Correct the highlighted fields to see the totals.")
        else:
            header, lines = self.header.header(), self.line_dicts()
        try:
            specs = parse_lines(lines, currency)
            discount = to_decimal(header["discount"] or Decimal(0), field="discount", places=minor_digits(currency))
            rate = header["discount_tax_rate"]
            category, rate = resolve_discount_tax(specs, discount, header["discount_tax_category"], rate)
            totals = compute_totals(
                (s.as_input() for s in specs), currency=currency, discount=discount, discount_tax_category=category, discount_tax_rate=rate
            )
        except ValidationFailed as exc:
            # On a page that already shows the errors (a refused save), the totals box does not repeat them.
            return Preview(error="Correct the highlighted fields to see the totals." if self.errors else self._place(exc)[2])
        if totals.tax_exclusive_total < 0:
            return Preview(totals=totals, error="The discount is larger than the sum of the lines.")
        rows = self._rows if self.lines.is_bound else list(range(len(specs)))
        notices = [
            f"Line {rows[r.index] + 1}: {plain_number(specs[r.index].quantity)} × {plain_number(specs[r.index].unit_price)} = "
            f"{r.exact:f}, billed as {format_money(r.rounded, currency)} (rounded to {minor_digits(currency)} decimals, half up)."
            for r in line_roundings((s.as_input() for s in specs), currency)
        ]
        return Preview(totals=totals, notices=notices)


def _initial_line(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None and value != ""}


def editor_for(invoice: Invoice | None) -> Editor:
    """An unbound editor showing ``invoice`` (or one empty item line for a new invoice)."""
    if invoice is None:
        return Editor(HeaderForm(), LineFormSet(prefix=PREFIX, initial=[{"kind": LineKind.ITEM, "quantity": Decimal(1)}]))
    header = HeaderForm(initial={name: getattr(invoice, name) for name in (*_HEADER, "discount_tax_category", "discount_tax_rate")})
    header.initial["discount"] = plain_number(invoice.discount) if invoice.discount else None
    initial = [
        {
            "kind": ln.kind, "sku": ln.sku, "description": ln.description, "quantity": plain_number(ln.quantity),
            "unit_price": plain_number(ln.unit_price), "discount": plain_number(ln.discount) if ln.discount else None,
            "tax_category": ln.tax_category, "tax_rate": plain_number(ln.tax_rate), "unit_code": ln.unit_code,
            "order_line_id": ln.order_line_id,
        }
        for ln in invoice.lines.order_by("line_no")
    ]  # fmt: skip
    return Editor(header, LineFormSet(prefix=PREFIX, initial=initial))


def editor_from(data: QueryDict) -> Editor:
    return Editor(HeaderForm(data), LineFormSet(data, prefix=PREFIX))


def with_added_row(data: QueryDict, kind: str) -> QueryDict:
    """The posted editor with one more (empty) line of ``kind``: adding a row needs no JavaScript."""
    added = data.copy()
    try:
        count = int(added.get(f"{PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        count = 0
    added[f"{PREFIX}-TOTAL_FORMS"] = str(count + 1)
    added[f"{PREFIX}-{count}-kind"] = kind if kind in LineKind.values else LineKind.ITEM
    added[f"{PREFIX}-{count}-quantity"] = "1"
    return added
