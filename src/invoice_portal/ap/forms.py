"""Filters of the AP inbox."""

from __future__ import annotations

from django import forms

from invoice_portal.core.forms import DateInput
from invoice_portal.invoices.models import ReceivedStatus
from invoice_portal.payables.selectors import ApFilters


class InboxFilterForm(forms.Form):
    supplier = forms.CharField(label="Supplier", required=False, max_length=200)
    po = forms.CharField(label="PO number", required=False, max_length=100)
    number = forms.CharField(label="Invoice number", required=False, max_length=50)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *ReceivedStatus.choices])
    date_from = forms.DateField(label="Dated from", required=False, widget=DateInput())
    date_to = forms.DateField(label="Dated to", required=False, widget=DateInput())
    amount_min = forms.DecimalField(label="Amount from", required=False, min_value=0, max_digits=16, decimal_places=4)
    amount_max = forms.DecimalField(label="Amount to", required=False, min_value=0, max_digits=16, decimal_places=4)

    def to_filters(self) -> ApFilters:
        cd = self.cleaned_data if self.is_valid() else {}
        return ApFilters(
            supplier=cd.get("supplier") or "", po=cd.get("po") or "", number=cd.get("number") or "", status=cd.get("status") or "",
            date_from=cd.get("date_from"), date_to=cd.get("date_to"), amount_min=cd.get("amount_min"), amount_max=cd.get("amount_max"),
        )  # fmt: skip
