"""Filters of the AP inbox."""

from __future__ import annotations

from typing import Any

from django import forms

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
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


def _amount(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=16, decimal_places=4, help_text=help_text)


class ToleranceForm(forms.Form):
    """Matching tolerances; empty = not set. When percent and amount are both set, the stricter (smaller) one applies."""

    price_tolerance_percent = forms.DecimalField(label="Price tolerance (%)", required=False, min_value=0, max_value=100,
                                                 max_digits=7, decimal_places=3)  # fmt: skip
    price_tolerance_amount = _amount("Price tolerance (amount)")
    quantity_tolerance_percent = forms.DecimalField(label="Quantity tolerance (%)", required=False, min_value=0, max_value=100,
                                                    max_digits=7, decimal_places=3)  # fmt: skip
    quantity_tolerance_amount = _amount("Quantity tolerance (units)")
    no_po_line_limit = _amount("Lines without a PO line allowed up to", "Gross per line; empty = always an exception")


class OrgToleranceForm(ToleranceForm):
    auto_accept_limit = _amount("Auto-accept matched invoices up to", "Above it they go to delegated approval; empty = always accept")


class SupplierToleranceForm(ToleranceForm):
    supplier: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="Supplier", queryset=Company.objects.none())

    def __init__(self, *args: Any, suppliers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]


class ApproverLimitForm(forms.Form):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="Staff member", queryset=User.objects.none())
    limit = forms.DecimalField(label="Approval limit", min_value=0, max_digits=16, decimal_places=4)
    currency = forms.CharField(
        label="Currency", max_length=3, required=False,
        help_text="The limit applies to invoices in this currency only (empty: the default currency)",
    )  # fmt: skip
    delegate: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="Delegate to", queryset=User.objects.none(), required=False)
    delegate_from = forms.DateField(label="Delegate from", required=False, widget=DateInput())
    delegate_until = forms.DateField(label="Delegate until", required=False, widget=DateInput())

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]
        self.fields["delegate"].queryset = staff  # type: ignore[attr-defined]
