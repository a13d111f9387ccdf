"""The PO flip form: a purchase order's lines, prefilled, to adjust, untick and submit as an invoice.

Shared by the AP keying screen and the supplier portal (both UI apps import it from here).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from invoice_portal.core.forms import DateInput
from invoice_portal.documents.einvoice.units import unit_code_problem
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.payables.models import MAX_ATTACHMENT_BYTES


def _decimal(value: str, name: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise forms.ValidationError(f"{name}: not a number.") from None
    if not number.is_finite():
        raise forms.ValidationError(f"{name}: not a number.")
    return number


PDF_HELP = f"The invoice as received: a PDF of at most {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"


def _text(label: str, initial: str, size: int) -> forms.CharField:
    return forms.CharField(
        label=label, initial=initial, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": size})
    )


class FlipForm(forms.Form):
    number = forms.CharField(label="Invoice number", max_length=50, help_text="The number on the supplier's invoice")
    issue_date = forms.DateField(label="Invoice date", widget=DateInput(), initial=timezone.localdate)
    due_date = forms.DateField(label="Due date", widget=DateInput(), required=False, help_text="Default: the supplier's terms")
    discount = forms.DecimalField(label="Discount", required=False, min_value=0, decimal_places=4, max_digits=16)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, order: Order, discounts: bool, pdf: bool = False, pdf_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.po_lines: list[OrderLine] = list(order.lines.order_by("line_no"))
        if not discounts:
            del self.fields["discount"]
        for ln in self.po_lines:
            self.fields[f"take_{ln.pk}"] = forms.BooleanField(label=f"Bill line {ln.line_no}", required=False, initial=True)
            self.fields[f"qty_{ln.pk}"] = _text(f"Quantity, line {ln.line_no}", f"{ln.quantity.normalize():f}", 6)
            self.fields[f"price_{ln.pk}"] = _text(f"Unit price, line {ln.line_no}", f"{ln.unit_price.normalize():f}", 8)
        if pdf:
            self.fields["pdf"] = forms.FileField(label="Supplier's PDF", required=pdf_required, help_text=PDF_HELP)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = []
        for ln in self.po_lines:
            if not cleaned.get(f"take_{ln.pk}"):
                continue
            try:
                qty = _decimal(cleaned.get(f"qty_{ln.pk}") or "", "Quantity")
                price = _decimal(cleaned.get(f"price_{ln.pk}") or "", "Unit price")
            except forms.ValidationError as exc:
                self.add_error(f"qty_{ln.pk}", exc)
                continue
            lines.append({"description": ln.description, "sku": ln.sku, "quantity": qty, "unit_code": ln.unit_code, "unit_price": price,
                          "tax_category": ln.tax_category, "tax_rate": ln.tax_rate, "order_line_id": ln.pk})  # fmt: skip
        if not lines and not self.errors:
            raise forms.ValidationError("Tick at least one line to bill.")
        cleaned["lines"] = lines
        return cleaned

    def line_rows(self) -> list[tuple[OrderLine, Any, Any, Any]]:
        return [(ln, self[f"take_{ln.pk}"], self[f"qty_{ln.pk}"], self[f"price_{ln.pk}"]) for ln in self.po_lines]


class RetrofitForm(forms.Form):
    """An invoice without a PO: up to five lines (blank rows are ignored)."""

    ROWS = 5
    number = forms.CharField(label="Invoice number", max_length=50)
    issue_date = forms.DateField(label="Invoice date", widget=DateInput(), initial=timezone.localdate)
    requester: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Requester", queryset=None, help_text="Accepts the retrofit order"
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, requesters: Any = None, supplier_choices: Any = None, pdf: bool = False, **kwargs: Any) -> None:
        """``requesters``: our staff to choose from (AP); None: the supplier names the requester by email
        (our staff list is not theirs to see)."""
        super().__init__(*args, **kwargs)
        if requesters is None:
            del self.fields["requester"]
            self.fields["requester_email"] = forms.EmailField(
                label="Who ordered it from you", help_text="Their email address with us; they accept the order", max_length=254
            )
        else:
            self.fields["requester"].queryset = requesters  # type: ignore[attr-defined]
        if supplier_choices is not None:
            self.fields["supplier"] = forms.ModelChoiceField(label="Supplier", queryset=supplier_choices)
        for i in range(self.ROWS):
            self.fields[f"desc_{i}"] = forms.CharField(label=f"Description {i + 1}", required=False, max_length=500)
            self.fields[f"qty_{i}"] = forms.CharField(
                label=f"Quantity {i + 1}", required=False, initial="1", widget=forms.TextInput(attrs={"size": 6})
            )
            self.fields[f"unit_{i}"] = forms.CharField(
                label=f"Unit {i + 1}", required=False, initial="C62", max_length=3, widget=forms.TextInput(attrs={"size": 4})
            )
            self.fields[f"price_{i}"] = forms.CharField(
                label=f"Unit price {i + 1}", required=False, widget=forms.TextInput(attrs={"size": 8})
            )
            self.fields[f"rate_{i}"] = forms.CharField(
                label=f"VAT % {i + 1}", required=False, initial="0", widget=forms.TextInput(attrs={"size": 4})
            )
        if pdf:
            self.fields["pdf"] = forms.FileField(
                label="Supplier's PDF", required=False, help_text=f"At most {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = []
        for i in range(self.ROWS):
            description = (cleaned.get(f"desc_{i}") or "").strip()
            if not description:
                continue
            unit = (cleaned.get(f"unit_{i}") or "C62").strip().upper()
            problem = unit_code_problem(unit, label=f"Line {i + 1}, unit")
            if problem is not None:
                self.add_error(f"unit_{i}", problem)
            lines.append({
                "description": description, "quantity": (cleaned.get(f"qty_{i}") or "1").strip(),
                "unit_code": unit, "unit_price": (cleaned.get(f"price_{i}") or "").strip(),
                "tax_rate": (cleaned.get(f"rate_{i}") or "0").strip(),
            })  # fmt: skip
        if not lines and not self.errors:
            raise forms.ValidationError("Enter at least one line.")
        cleaned["lines"] = lines
        return cleaned

    def line_rows(self) -> list[tuple[Any, ...]]:
        return [(self[f"desc_{i}"], self[f"qty_{i}"], self[f"unit_{i}"], self[f"price_{i}"], self[f"rate_{i}"]) for i in range(self.ROWS)]


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label="Received on", widget=DateInput(), initial=timezone.localdate)
    reference = forms.CharField(label="Delivery note", required=False, max_length=100)
    over_receipt_reason = forms.CharField(label="Over-receipt reason", required=False, max_length=300,
                                          help_text="Only to receive more than was ordered")  # fmt: skip

    def __init__(self, *args: Any, order: Order, open_quantities: dict[int, Decimal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.po_lines = list(order.lines.order_by("line_no"))
        for ln in self.po_lines:
            left = open_quantities.get(ln.pk, Decimal(0))
            self.fields[f"qty_{ln.pk}"] = forms.DecimalField(
                label=f"Received, line {ln.line_no}", required=False, min_value=0, decimal_places=4, max_digits=16,
                initial=f"{left.normalize():f}" if left else "",
            )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["lines"] = [
            {"order_line": ln.pk, "quantity": cleaned[f"qty_{ln.pk}"]} for ln in self.po_lines if cleaned.get(f"qty_{ln.pk}")
        ]
        if not cleaned["lines"] and not self.errors:
            raise forms.ValidationError("Enter a received quantity on at least one line.")
        return cleaned

    def line_rows(self) -> list[tuple[OrderLine, Any]]:
        return [(ln, self[f"qty_{ln.pk}"]) for ln in self.po_lines]
