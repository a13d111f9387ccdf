"""The purchase order AP keys by hand: header and up to ``ROWS`` lines (blank rows are ignored)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone

from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import DateInput, Form, attach_error

LINE_FIELDS = {"sku": "sku", "description": "desc", "quantity": "qty", "unit_code": "unit", "unit_price": "price", "tax_rate": "rate"}
_LINE_ERROR = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def _small(label: str, *, initial: str = "", size: int = 6, max_length: int = 30, decimal: bool = True) -> forms.CharField:
    attrs: dict[str, Any] = {"size": size}
    if decimal:
        attrs["inputmode"] = "decimal"
    return forms.CharField(label=label, required=False, initial=initial, max_length=max_length, widget=forms.TextInput(attrs=attrs))


class PurchaseOrderForm(Form):
    ROWS = 8
    supplier: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="Supplier", queryset=None)
    number = forms.CharField(label="PO number", max_length=100, help_text="A number no purchase order has yet")
    requester: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Requester", queryset=None, help_text="Who asked for it: reviews invoices that do not match"
    )
    currency = forms.CharField(label="Currency", max_length=3, required=False, help_text="Empty: the supplier's currency",
                               widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}))  # fmt: skip
    order_date = forms.DateField(label="Order date", widget=DateInput(), initial=timezone.localdate)
    no_invoice_expected = forms.BooleanField(
        label="No invoice expected (paid otherwise, by card say)", required=False,
        help_text="An invoice against it is recorded and marked, never paid",
    )  # fmt: skip

    def __init__(self, *args: Any, suppliers: Any, requesters: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]
        self.fields["requester"].queryset = requesters  # type: ignore[attr-defined]
        for i in range(self.ROWS):
            n = i + 1
            self.fields[f"sku_{i}"] = _small(f"Item {n}", size=8, max_length=100, decimal=False)
            self.fields[f"desc_{i}"] = forms.CharField(label=f"Description {n}", required=False, max_length=500)
            self.fields[f"qty_{i}"] = _small(f"Quantity {n}", initial="1")
            self.fields[f"unit_{i}"] = _small(f"Unit {n}", initial="C62", size=4, max_length=3, decimal=False)
            self.fields[f"price_{i}"] = _small(f"Unit price {n}", size=8)
            self.fields[f"rate_{i}"] = _small(f"VAT % {n}", initial="0", size=4)
        self.rows_used: list[int] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = []
        self.rows_used = []
        for i in range(self.ROWS):
            description = (cleaned.get(f"desc_{i}") or "").strip()
            if not description:
                if (cleaned.get(f"price_{i}") or "").strip() or (cleaned.get(f"sku_{i}") or "").strip():
                    self.add_error(f"desc_{i}", "Describe what is ordered on this line.")
                continue
            self.rows_used.append(i)
            lines.append({
                "sku": (cleaned.get(f"sku_{i}") or "").strip(), "description": description,
                "quantity": (cleaned.get(f"qty_{i}") or "1").strip(), "unit_code": (cleaned.get(f"unit_{i}") or "C62").strip().upper(),
                "unit_price": (cleaned.get(f"price_{i}") or "").strip(), "tax_rate": (cleaned.get(f"rate_{i}") or "0").strip(),
            })  # fmt: skip
        if not lines and not self.errors:
            raise forms.ValidationError("Enter at least one line.")
        cleaned["lines"] = lines
        cleaned["currency"] = (cleaned.get("currency") or "").strip().upper()
        return cleaned

    def show_error(self, exc: DomainError) -> None:
        """A service error beside its field; ``lines[2].unit_price`` is the third filled row's price."""
        match = _LINE_ERROR.match(exc.field or "")
        if match and int(match[1]) < len(self.rows_used) and match[2] in LINE_FIELDS:
            self.add_error(f"{LINE_FIELDS[match[2]]}_{self.rows_used[int(match[1])]}", exc.message.split(": ", 1)[-1])
            return
        attach_error(self, exc)

    def line_rows(self) -> list[tuple[Any, ...]]:
        return [tuple(self[f"{prefix}_{i}"] for prefix in LINE_FIELDS.values()) for i in range(self.ROWS)]
