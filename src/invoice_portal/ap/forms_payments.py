"""The form for recording a payment to a supplier (the allocation rows are read by the view, one per payable invoice)."""

from __future__ import annotations

from typing import Any

from django import forms

from invoice_portal.core.forms import DateInput, Form
from invoice_portal.payables.services.supplier_payments import METHODS
from invoice_portal.payments.models import Method


class SupplierPaymentForm(Form):
    amount = forms.DecimalField(label="Amount paid", min_value=0, max_digits=16, decimal_places=4)
    method = forms.ChoiceField(label="Method", choices=[(m.value, Method(m).label) for m in METHODS])
    reference = forms.CharField(
        label="Reference", max_length=200, required=False, help_text="Our transfer or check reference; the supplier sees it"
    )
    paid_on = forms.DateField(label="Paid on", widget=DateInput(), required=False, help_text="Empty: today")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"
