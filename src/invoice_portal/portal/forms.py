"""Forms of the portal pages. They parse input; every rule is the domain service's (its errors land here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from invoice_portal.accounts.models import Role
from invoice_portal.accounts.permissions import Level
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import DateInput as DateInput
from invoice_portal.core.forms import Form as TextRuleForm
from invoice_portal.core.forms import attach_error as attach_error
from invoice_portal.core.forms import domain_message as domain_message
from invoice_portal.core.forms import yes_no as _yes_no
from invoice_portal.core.ids import MAX_ID
from invoice_portal.core.money import to_decimal
from invoice_portal.invoices.models import DisputeReason, Invoice, Status
from invoice_portal.invoices.selectors import InvoiceFilters
from invoice_portal.invoices.wording import Wording, current_wording
from invoice_portal.payments.models import Method, PaymentStatus
from invoice_portal.payments.selectors import PaymentFilters
from invoice_portal.portal.selectors import OrderFilters
from invoice_portal.portal.services import COMPANY_ROLE_CODES
from invoice_portal.remittances.models import RemittanceMethod

YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]
TABS = (("web", "Web invoices"), ("erp", "ERP invoices"), ("all", "All"))
INVOICE_SORTS = ("issue_date", "-issue_date", "due_date", "-due_date", "number", "-number", "total", "-total", "balance", "-balance")
PAYMENT_SORTS = ("received_on", "-received_on", "amount", "-amount")


def _money_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


# --- Lists ----------------------------------------------------------------------------------------


class InvoiceFilterForm(TextRuleForm):
    number = forms.CharField(required=False, label="Invoice number")
    order = forms.CharField(required=False, label="Order")
    po_number = forms.CharField(required=False, label="PO number")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *[c for c in Status.choices if c[0] != Status.DRAFT]])
    company = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Company")
    issued_from = forms.DateField(required=False, label="Issued from", widget=DateInput())
    issued_to = forms.DateField(required=False, label="Issued to", widget=DateInput())
    due_from = forms.DateField(required=False, label="Due from", widget=DateInput())
    due_to = forms.DateField(required=False, label="Due to", widget=DateInput())
    overdue = forms.ChoiceField(required=False, choices=YES_NO)
    disputed = forms.ChoiceField(required=False, choices=YES_NO)
    tab = forms.ChoiceField(required=False, choices=TABS, widget=forms.HiddenInput())
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in INVOICE_SORTS], widget=forms.HiddenInput())

    def __init__(self, *args: Any, companies: list[Company], wording: Wording | None = None, **kwargs: Any) -> None:
        """``wording``: the request's ``request_wording``, so the page reads the Admin's words once."""
        super().__init__(*args, **kwargs)
        company = self.fields["company"]
        assert isinstance(company, forms.TypedChoiceField)
        if len(companies) > 1:
            company.choices = [("", "All companies"), *[(c.pk, c.name) for c in companies]]
        else:
            del self.fields["company"]
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        wording = wording or current_wording()  # the statuses in the Admin's words, as the badges show them
        status.choices = [("", "Any status"), *[(s.value, wording.status(s.value)) for s in Status if s != Status.DRAFT]]

    @property
    def current_tab(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("tab") or "all"

    @property
    def current_sort(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "-issue_date"

    def to_filters(self) -> InvoiceFilters:
        """The valid part of the input as selector filters (an invalid field filters nothing and shows its error)."""
        self.is_valid()
        cd = self.cleaned_data
        return InvoiceFilters(
            number=cd.get("number") or "", order=cd.get("order") or "", status=cd.get("status") or "",
            company_id=cd.get("company"), issued_from=cd.get("issued_from"), issued_to=cd.get("issued_to"),
            due_from=cd.get("due_from"), due_to=cd.get("due_to"), overdue=_yes_no(cd.get("overdue") or ""),
            disputed=_yes_no(cd.get("disputed") or ""), tab="" if self.current_tab == "all" else self.current_tab, sort=self.current_sort,
        )  # fmt: skip

    def po_term(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("po_number") or ""


ORDER_SORTS = ("order_date", "-order_date", "number", "-number", "total", "-total")
ORDER_SOURCES = [("", "All"), ("web", "Web store"), ("erp", "ERP")]


class OrderFilterForm(TextRuleForm):
    number = forms.CharField(required=False, label="Order number")
    po_number = forms.CharField(required=False, label="PO number")
    source = forms.ChoiceField(required=False, choices=ORDER_SOURCES, label="Placed through")
    company = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Company")
    ordered_from = forms.DateField(required=False, label="Ordered from", widget=DateInput())
    ordered_to = forms.DateField(required=False, label="Ordered to", widget=DateInput())
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in ORDER_SORTS], widget=forms.HiddenInput())

    def __init__(self, *args: Any, companies: list[Company], wording: Wording | None = None, **kwargs: Any) -> None:
        """``wording``: the request's ``request_wording``, so the page reads the Admin's words once."""
        super().__init__(*args, **kwargs)
        company = self.fields["company"]
        assert isinstance(company, forms.TypedChoiceField)
        if len(companies) > 1:
            company.choices = [("", "All companies"), *[(c.pk, c.name) for c in companies]]
        else:
            del self.fields["company"]

    @property
    def current_sort(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "-order_date"

    def to_filters(self) -> OrderFilters:
        """The valid part of the input as selector filters (an invalid field filters nothing and shows its error)."""
        self.is_valid()
        cd = self.cleaned_data
        return OrderFilters(
            number=cd.get("number") or "", po_number=cd.get("po_number") or "", company_id=cd.get("company"),
            source=cd.get("source") or "", ordered_from=cd.get("ordered_from"), ordered_to=cd.get("ordered_to"),
            sort=self.current_sort,
        )  # fmt: skip


class PaymentFilterForm(TextRuleForm):
    method = forms.ChoiceField(required=False, choices=[("", "Any method"), *Method.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *PaymentStatus.choices])
    received_from = forms.DateField(required=False, label="From", widget=DateInput())
    received_to = forms.DateField(required=False, label="To", widget=DateInput())
    amount_min = forms.CharField(required=False, label="Amount from", widget=_money_input(size=8))
    amount_max = forms.CharField(required=False, label="Amount to", widget=_money_input(size=8))
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in PAYMENT_SORTS], widget=forms.HiddenInput())

    @property
    def current_sort(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "-received_on"

    def _clean_amount(self, name: str) -> Decimal | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return to_decimal(text, field=name, places=4)
        except DomainError:
            raise forms.ValidationError("Enter an amount such as 250 or 250.00.") from None

    def clean_amount_min(self) -> Decimal | None:
        return self._clean_amount("amount_min")

    def clean_amount_max(self) -> Decimal | None:
        return self._clean_amount("amount_max")

    def amount_range(self) -> tuple[Decimal | None, Decimal | None]:
        """The amount bounds, compared with what the user sees of each payment (see ``portal_payment_list``)."""
        self.is_valid()
        return self.cleaned_data.get("amount_min"), self.cleaned_data.get("amount_max")

    def to_filters(self) -> PaymentFilters:
        self.is_valid()
        cd = self.cleaned_data
        return PaymentFilters(
            method=cd.get("method") or "", status=cd.get("status") or "", received_from=cd.get("received_from"),
            received_to=cd.get("received_to"), sort=self.current_sort,
        )  # fmt: skip


# --- Invoice detail -------------------------------------------------------------------------------


class DisputeForm(TextRuleForm):
    line = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput())
    reason = forms.ChoiceField(choices=DisputeReason.choices, label="Reason")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="What is wrong?")


class PromiseForm(TextRuleForm):
    date = forms.DateField(widget=DateInput(), label="I will pay by")
    amount = forms.CharField(widget=_money_input(size=10), label="Amount")
    note = forms.CharField(required=False, max_length=500, label="Note")


# --- Paying ---------------------------------------------------------------------------------------


class PayForm(TextRuleForm):
    """One amount field per selected invoice (``amount_<id>``) and the credit to apply."""

    apply_credit = forms.CharField(required=False, label="Credit to apply", widget=_money_input(size=10))

    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = invoices
        for invoice in invoices:
            self.fields[f"amount_{invoice.pk}"] = forms.CharField(
                label=f"Amount to pay on {invoice}", widget=_money_input(size=10), error_messages={"required": "Enter an amount."}
            )

    def rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(inv, self[f"amount_{inv.pk}"]) for inv in self.invoices]

    def pairs(self) -> list[tuple[int, str]]:
        return [(inv.pk, (self.cleaned_data.get(f"amount_{inv.pk}") or "").strip()) for inv in self.invoices]

    def credit(self) -> str:
        return (self.cleaned_data.get("apply_credit") or "").strip() or "0"

    def error_fields(self) -> dict[str, str]:
        """The service's ``invoices[i].amount`` is the amount field of the i-th invoice."""
        fields = {f"invoices[{i}].amount": f"amount_{inv.pk}" for i, inv in enumerate(self.invoices)}
        fields.update({f"invoices[{i}]": f"amount_{inv.pk}" for i, inv in enumerate(self.invoices)})
        return fields


class RemittanceForm(TextRuleForm):
    amount = forms.CharField(label="Amount sent", widget=_money_input(size=12))
    method = forms.ChoiceField(choices=RemittanceMethod.choices, initial=RemittanceMethod.WIRE)
    reference = forms.CharField(required=False, max_length=200, label="Reference", help_text="Check number, wire reference or cash memo")
    paid_on = forms.DateField(label="Sent on", widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note to the seller")

    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = invoices
        for invoice in invoices:
            self.fields[f"for_{invoice.pk}"] = forms.CharField(required=False, label=f"For {invoice}", widget=_money_input(size=10))

    def rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(inv, self[f"for_{inv.pk}"]) for inv in self.invoices]

    def requested(self) -> list[tuple[int, str]]:
        return [(inv.pk, value.strip()) for inv in self.invoices if (value := self.cleaned_data.get(f"for_{inv.pk}") or "").strip()]

    def error_fields(self, requested: list[tuple[int, str]]) -> dict[str, str]:
        return {f"invoices[{i}].amount": f"for_{pk}" for i, (pk, _) in enumerate(requested)}


# --- Statement ------------------------------------------------------------------------------------


def default_statement_period() -> tuple[dt.date, dt.date]:
    """The current month and the two before it."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - 2
    return dt.date(index // 12, index % 12 + 1, 1), today


class StatementForm(TextRuleForm):
    start = forms.DateField(required=False, widget=DateInput(), label="From")
    end = forms.DateField(required=False, widget=DateInput(), label="To")
    currency = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currencies = currencies
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(c, c) for c in currencies]
        if len(currencies) < 2:
            currency.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The period ends on or after its first day.")
        return cleaned

    def period(self) -> tuple[dt.date, dt.date]:
        self.is_valid()
        start, end = default_statement_period()
        if self.errors.get("end"):
            return start, end
        return self.cleaned_data.get("start") or start, self.cleaned_data.get("end") or end

    def chosen_currency(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("currency") or self.currencies[0]


# --- Users ----------------------------------------------------------------------------------------


def company_roles() -> Any:
    return Role.objects.filter(code__in=COMPANY_ROLE_CODES).order_by("name")


class UserInviteForm(TextRuleForm):
    email = forms.EmailField()
    full_name = forms.CharField(required=False, max_length=200, label="Full name")
    role = forms.ModelChoiceField(queryset=Role.objects.none(), empty_label=None)
    password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), label="Initial password (optional)", min_length=10,
        help_text="Leave empty to email an invitation link, so the new user chooses their own password.",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ModelChoiceField)
        role.queryset = company_roles()

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if password:
            validate_password(password)
        return password


class UserRoleForm(TextRuleForm):
    role = forms.ModelChoiceField(queryset=Role.objects.none(), empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ModelChoiceField)
        role.queryset = company_roles()


def level_choices(role_level: Level | None) -> list[tuple[str, str]]:
    """The levels a user can be given; the empty choice is their role's default, named by what it is."""
    default = f"Role default ({role_level.label.lower()})" if role_level is not None else "Role default"
    return [("", default), *[(lv.value, lv.label) for lv in Level]]


class UserLevelForm(TextRuleForm):
    level = forms.ChoiceField(
        required=False, choices=level_choices(None), label="Permission level",
        error_messages={"invalid_choice": "Choose own orders, company, company and subsidiaries, or the role default."},
    )  # fmt: skip

    def __init__(self, *args: Any, role_level: Level | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_role_default(role_level)

    def show_role_default(self, role_level: Level | None) -> None:
        level = self.fields["level"]
        assert isinstance(level, forms.ChoiceField)
        level.choices = level_choices(role_level)

    def chosen(self) -> str | None:
        return self.cleaned_data.get("level") or None
