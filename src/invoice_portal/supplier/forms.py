from __future__ import annotations

from typing import Any

from django import forms

from invoice_portal.core.forms import DateInput
from invoice_portal.payables.services.suppliers import supplier_roles


class CreditForm(forms.Form):
    """A credit invoice against one of the supplier's invoices: its number, date and the amount credited (net, at a VAT rate)."""

    number = forms.CharField(label="Credit invoice number", max_length=50)
    issue_date = forms.DateField(label="Date", widget=DateInput())
    description = forms.CharField(label="What is credited", max_length=500)
    amount = forms.DecimalField(label="Net amount", min_value=0, max_digits=16, decimal_places=4)
    tax_rate = forms.DecimalField(label="VAT %", min_value=0, max_value=100, decimal_places=3, max_digits=6, initial=0)

    def lines(self) -> list[dict[str, Any]]:
        cd = self.cleaned_data
        return [{"description": cd["description"], "quantity": "1", "unit_price": cd["amount"], "tax_rate": cd["tax_rate"]}]


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")
    full_name = forms.CharField(label="Name", required=False, max_length=200)
    role: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="Role", queryset=None, empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = supplier_roles()  # type: ignore[attr-defined]


class UploadForm(forms.Form):
    file = forms.FileField(label="E-invoice (UBL 2.1 or CII XML)", help_text="At most 10 MB; checked against EN 16931")
