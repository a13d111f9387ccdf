"""Forms of the seller pages. They parse input; every rule is the domain service's (its errors land here)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from invoice_portal.accounts.models import Role
from invoice_portal.accounts.permissions import Audience
from invoice_portal.companies.models import EInvoiceFormat
from invoice_portal.core.forms import DateInput as DateInput
from invoice_portal.core.forms import Form as TextRuleForm
from invoice_portal.core.forms import attach_error as attach_error
from invoice_portal.core.forms import domain_message as domain_message
from invoice_portal.core.forms import yes_no as _yes_no
from invoice_portal.core.ids import MAX_ID
from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.invoices.models import (
    CustomerLineStatus,
    EnterpriseLineStatus,
    Invoice,
    Kind,
    Source,
    Status,
    TaxCategory,
    WordingSubject,
)
from invoice_portal.invoices.selectors import SORTS as INVOICE_SORTS
from invoice_portal.invoices.selectors import InvoiceFilters
from invoice_portal.invoices.wording import DEFAULTS as DEFAULT_WORDING
from invoice_portal.invoices.wording import MAX_LENGTH as WORDING_MAX_LENGTH
from invoice_portal.invoices.wording import MEANINGS, Wording, current_wording
from invoice_portal.notifications.models import MessageKind, MessageStatus
from invoice_portal.orders.models import OrderSource
from invoice_portal.payments.models import Method, PaymentStatus
from invoice_portal.payments.selectors import SORTS as PAYMENT_SORTS
from invoice_portal.payments.selectors import PaymentFilters
from invoice_portal.remittances.models import PromiseStatus, RemittanceStatus
from invoice_portal.remittances.selectors import PromiseDue
from invoice_portal.seller.selectors import CUSTOMER_SORTS, CustomerFilters, OrderFilters, UserFilters

YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]
OFFLINE_METHODS = [(m.value, m.label) for m in (Method.CHECK, Method.WIRE, Method.CASH, Method.OTHER)]


def _choices(blank: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", blank), *choices]


# --- Dashboard filters ----------------------------------------------------------------------------


class InvoiceFilterForm(TextRuleForm):
    number = forms.CharField(required=False, label="Invoice number")
    customer = forms.CharField(required=False, label="Customer", help_text="Name or external id")
    order = forms.CharField(required=False, label="Order id")
    status = forms.ChoiceField(required=False, choices=_choices("Any status", Status.choices))
    kind = forms.ChoiceField(required=False, choices=_choices("Any kind", Kind.choices))
    source = forms.ChoiceField(required=False, choices=_choices("Any source", Source.choices))
    issued_from = forms.DateField(required=False, label="Issued from", widget=DateInput())
    issued_to = forms.DateField(required=False, label="Issued to", widget=DateInput())
    due_from = forms.DateField(required=False, label="Due from", widget=DateInput())
    due_to = forms.DateField(required=False, label="Due to", widget=DateInput())
    overdue = forms.ChoiceField(required=False, choices=YES_NO)
    disputed = forms.ChoiceField(required=False, choices=YES_NO)
    on_hold = forms.ChoiceField(required=False, choices=YES_NO, label="On hold")
    attention = forms.ChoiceField(required=False, choices=YES_NO, label="Queried or rejected by the buyer")
    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput())
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in INVOICE_SORTS], widget=forms.HiddenInput())

    def __init__(self, *args: Any, wording: Wording | None = None, **kwargs: Any) -> None:
        """``wording``: the request's ``request_wording``, so the options read as the badges do (the Admin's words)."""
        super().__init__(*args, **kwargs)
        wording = wording if wording is not None else current_wording()
        status, kind = self.fields["status"], self.fields["kind"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(kind, forms.ChoiceField)
        status.choices = _choices("Any status", wording.status_choices())
        kind.choices = _choices("Any kind", wording.kind_choices())

    def to_filters(self) -> InvoiceFilters:
        """The valid part of the input as selector filters (an invalid field filters nothing and shows its error)."""
        self.is_valid()
        cd = self.cleaned_data
        return InvoiceFilters(
            number=cd.get("number") or "", customer=cd.get("customer") or "", order=cd.get("order") or "",
            status=cd.get("status") or "", kind=cd.get("kind") or "", source=cd.get("source") or "",
            issued_from=cd.get("issued_from"), issued_to=cd.get("issued_to"), due_from=cd.get("due_from"), due_to=cd.get("due_to"),
            overdue=_yes_no(cd.get("overdue") or ""), disputed=_yes_no(cd.get("disputed") or ""),
            on_hold=_yes_no(cd.get("on_hold") or ""),
            company_id=cd.get("company"), sort=cd.get("sort") or "-issue_date",
        )  # fmt: skip

    def attention_filter(self) -> bool | None:
        """Whether to show only (yes) or no (no) invoices whose latest Peppol Invoice Response is UQ or RE."""
        self.is_valid()
        return _yes_no(self.cleaned_data.get("attention") or "")


class PaymentFilterForm(TextRuleForm):
    payment_id = forms.IntegerField(required=False, label="Payment #", min_value=1, max_value=MAX_ID)
    customer = forms.CharField(required=False, help_text="Name or external id")
    status = forms.ChoiceField(required=False, choices=_choices("Any status", PaymentStatus.choices))
    method = forms.ChoiceField(required=False, choices=_choices("Any method", Method.choices))
    received_from = forms.DateField(required=False, label="Received from", widget=DateInput())
    received_to = forms.DateField(required=False, label="Received to", widget=DateInput())
    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput())
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in PAYMENT_SORTS], widget=forms.HiddenInput())

    def to_filters(self) -> PaymentFilters:
        self.is_valid()
        cd = self.cleaned_data
        return PaymentFilters(
            payment_id=cd.get("payment_id"), customer=cd.get("customer") or "", status=cd.get("status") or "",
            method=cd.get("method") or "", received_from=cd.get("received_from"), received_to=cd.get("received_to"),
            company_id=cd.get("company"), sort=cd.get("sort") or "-received_on",
        )  # fmt: skip


class OrderFilterForm(TextRuleForm):
    q = forms.CharField(required=False, label="Order or customer", help_text="Order id, customer name or external id")
    source = forms.ChoiceField(required=False, choices=_choices("Any source", OrderSource.choices))
    status = forms.CharField(required=False, label="Status")
    flagged = forms.BooleanField(required=False, label="Flagged only")
    invoiced = forms.ChoiceField(required=False, choices=YES_NO, label="Invoiced")
    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput())

    def to_filters(self) -> OrderFilters:
        self.is_valid()
        cd = self.cleaned_data
        return OrderFilters(
            q=cd.get("q") or "", source=cd.get("source") or "", status=cd.get("status") or "", flagged=bool(cd.get("flagged")),
            invoiced=_yes_no(cd.get("invoiced") or ""), company_id=cd.get("company"),
        )  # fmt: skip


class CustomerFilterForm(TextRuleForm):
    q = forms.CharField(required=False, label="Customer", help_text="Name or external id")
    with_balance = forms.BooleanField(required=False, label="With open balance")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in CUSTOMER_SORTS], widget=forms.HiddenInput())

    def to_filters(self) -> CustomerFilters:
        self.is_valid()
        cd = self.cleaned_data
        return CustomerFilters(
            q=cd.get("q") or "", with_balance=bool(cd.get("with_balance")), overdue=bool(cd.get("overdue")), sort=cd.get("sort") or "name"
        )


class UserFilterForm(TextRuleForm):
    q = forms.CharField(required=False, label="Search", help_text="Email, name or company")
    kind = forms.ChoiceField(required=False, choices=[("", "Everyone"), ("staff", "Seller staff"), ("company", "Company users")])
    active = forms.ChoiceField(required=False, choices=YES_NO, label="Active")

    def to_filters(self) -> UserFilters:
        self.is_valid()
        cd = self.cleaned_data
        return UserFilters(q=cd.get("q") or "", kind=cd.get("kind") or "", active=_yes_no(cd.get("active") or ""))


class CustomerSearchForm(TextRuleForm):
    q = forms.CharField(required=False, label="Find a customer", help_text="Name or external company id")


# --- Payments -------------------------------------------------------------------------------------


class AllocationFieldsMixin:
    """One optional amount field per open invoice, named ``alloc_<invoice id>``."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_allocation_fields(self, invoices: list[Invoice]) -> None:
        self.invoices = invoices
        for invoice in invoices:
            self.fields[f"alloc_{invoice.pk}"] = forms.CharField(
                required=False, label=f"Amount for {invoice}", widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10})
            )

    def allocation_rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(inv, self[f"alloc_{inv.pk}"]) for inv in self.invoices]  # type: ignore[index]

    def allocations(self) -> list[tuple[int, str]]:
        """(invoice id, amount as typed) for every filled row; the service parses and checks the amounts."""
        return [(inv.pk, value.strip()) for inv in self.invoices if (value := self.cleaned_data.get(f"alloc_{inv.pk}") or "").strip()]

    def error_fields(self, service_field: str | None, requested: list[tuple[int, str]]) -> dict[str, str]:
        """Map the service's ``allocations[i]…`` field to the amount field of the i-th requested invoice."""
        match = re.match(r"allocations\[(\d+)\]", service_field or "")
        if service_field and match and int(match.group(1)) < len(requested):
            return {service_field: f"alloc_{requested[int(match.group(1))][0]}"}
        return {}


class OfflinePaymentForm(AllocationFieldsMixin, TextRuleForm):
    amount = forms.CharField(label="Amount received", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    method = forms.ChoiceField(choices=OFFLINE_METHODS, initial=Method.CHECK)
    reference = forms.CharField(required=False, max_length=200, label="Check number or cash payment memo", help_text="Shown to the buyer")
    received_on = forms.DateField(label="Received on", widget=DateInput(), initial=timezone.localdate)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Internal notes")

    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_allocation_fields(invoices)


class AllocateForm(AllocationFieldsMixin, TextRuleForm):
    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_allocation_fields(invoices)


class RefundForm(TextRuleForm):
    amount = forms.CharField(label="Amount to refund", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reason = forms.CharField(required=False, max_length=500)


class ReverseForm(TextRuleForm):
    reason = forms.CharField(max_length=500, label="Reason", help_text="For example: check returned unpaid")


# --- Remittance advice ----------------------------------------------------------------------------


class RemittanceFilterForm(TextRuleForm):
    ALL = "all"
    status = forms.ChoiceField(required=False, choices=[*RemittanceStatus.choices, (ALL, "Any status")], label="Status")

    def status_filter(self) -> str:
        """The status to list: submitted (the queue) unless another is asked for; "" for every status."""
        self.is_valid()
        status = self.cleaned_data.get("status") or RemittanceStatus.SUBMITTED
        return "" if status == self.ALL else status


class PromiseFilterForm(TextRuleForm):
    due = forms.ChoiceField(required=False, choices=[("", "Any day"), *PromiseDue.choices], label="Promised day")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *PromiseStatus.choices], label="Status")

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {"due": self.cleaned_data.get("due") or "", "status": self.cleaned_data.get("status") or ""}


class RemittanceConfirmForm(TextRuleForm):
    received_on = forms.DateField(
        required=False, label="Received on", widget=DateInput(), help_text="Leave empty for the day the buyer says it was paid"
    )
    comment = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Comment for the buyer")


class RemittanceRejectForm(TextRuleForm):
    comment = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Why is it rejected?", help_text="Shown to the buyer"
    )


# --- Invoice actions ------------------------------------------------------------------------------


class CancelForm(TextRuleForm):
    reason = forms.CharField(required=False, max_length=500)


class HoldForm(TextRuleForm):
    reason = forms.CharField(max_length=300, label="Why pause reminders?", help_text="For example: payment plan agreed until March")


class LineStatusForm(TextRuleForm):
    """Finance sets one status of one line; the service holds the rules (who, which statuses, a reason)."""

    line = forms.TypedChoiceField(coerce=int, label="Line")
    status = forms.ChoiceField(
        label="New status",
        choices=[
            ("Enterprise status", [(f"enterprise:{v}", lbl) for v, lbl in EnterpriseLineStatus.choices]),
            ("Customer status", [(f"customer:{v}", lbl) for v, lbl in CustomerLineStatus.choices]),
        ],
    )
    reason = forms.CharField(max_length=500, label="Why?", help_text="Kept in the audit trail, e.g. the bank statement line")

    def __init__(self, *args: Any, line_numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(n, f"Line {n}") for n in line_numbers]

    def side_and_status(self) -> tuple[str, str]:
        side, _, status = self.cleaned_data["status"].partition(":")
        return side, status


class DisputeRejectForm(TextRuleForm):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Why is the dispute rejected?", help_text="Shown to the buyer"
    )


class DisputeCreditForm(TextRuleForm):
    amount = forms.CharField(
        required=False,
        label="Net amount to credit",
        help_text="Leave empty to credit the whole line",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


def plain_number(value: Decimal) -> str:
    """A decimal as a person types it: no exponent, no trailing zeros ("10", "12.5")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tax_choices(invoice: Invoice) -> list[tuple[str, str]]:
    rates = sorted({(ln.tax_category, ln.tax_rate) for ln in invoice.lines.all()})
    return [(f"{cat}|{plain_number(rate)}", f"{TaxCategory(cat).label} {plain_number(rate)} %") for cat, rate in rates]


def split_tax(value: str) -> tuple[str, str]:
    category, _, rate = value.partition("|")
    return category, rate or "0"


class CreditNoteForm(TextRuleForm):
    MODES = [("whole", "The whole invoice"), ("lines", "Some lines"), ("amount", "An amount")]
    mode = forms.ChoiceField(choices=MODES, widget=forms.RadioSelect, initial="amount", label="Credit")
    amount = forms.CharField(required=False, label="Net amount", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    tax = forms.ChoiceField(required=False, label="VAT of the amount")
    description = forms.CharField(required=False, max_length=500)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, invoice: Invoice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tax = self.fields["tax"]
        assert isinstance(tax, forms.ChoiceField)
        tax.choices = tax_choices(invoice)
        self.lines = list(invoice.lines.order_by("line_no"))
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.DecimalField(
                required=False, min_value=0, decimal_places=4, label=f"Quantity of line {line.line_no} to credit",
                widget=forms.NumberInput(attrs={"step": "any", "size": 6}),
            )  # fmt: skip

    def line_rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def service_arguments(self) -> dict[str, Any]:
        cd = self.cleaned_data
        mode = cd["mode"]
        common = {"notes": cd.get("notes") or "", "description": cd.get("description") or ""}
        if mode == "whole":
            return common
        if mode == "lines":
            picked = {line.pk: cd[f"line_{line.pk}"] for line in self.lines if cd.get(f"line_{line.pk}")}
            return {**common, "lines": picked}
        category, rate = split_tax(cd.get("tax") or "")
        return {**common, "amount": (cd.get("amount") or "").strip() or "0", "tax_category": category, "tax_rate": rate}


class DebitNoteForm(TextRuleForm):
    description = forms.CharField(max_length=500)
    amount = forms.CharField(label="Net amount", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    tax_category = forms.ChoiceField(choices=TaxCategory.choices, initial=TaxCategory.STANDARD, label="VAT category")
    tax_rate = forms.CharField(initial="0", label="VAT rate %", widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def line(self) -> dict[str, Any]:
        cd = self.cleaned_data
        return {
            "kind": "cost", "description": cd["description"], "quantity": "1", "unit_price": cd["amount"].strip(),
            "tax_category": cd["tax_category"], "tax_rate": (cd.get("tax_rate") or "0").strip(),
        }  # fmt: skip


# --- Administration -------------------------------------------------------------------------------


class UserCreateForm(TextRuleForm):
    email = forms.EmailField()
    full_name = forms.CharField(required=False, max_length=200, label="Full name")
    role = forms.ModelChoiceField(queryset=Role.objects.order_by("audience", "name"))
    company = forms.CharField(required=False, label="Company", help_text="External id or exact name; empty for seller staff")
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), label="Initial password", min_length=10)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


class UserRoleForm(TextRuleForm):
    role = forms.ModelChoiceField(queryset=Role.objects.order_by("audience", "name"))


class RoleCreateForm(TextRuleForm):
    name = forms.CharField(max_length=100)
    code = forms.SlugField(max_length=50, help_text="Letters, digits, dashes and underscores")
    audience = forms.ChoiceField(choices=[(a.value, a.value.title()) for a in Audience])
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CustomerEInvoicingForm(TextRuleForm):
    """A customer's Peppol participant id, a German public customer's Leitweg-ID and the format its documents are
    sent and downloaded in (``companies.services.company_validate`` checks them)."""

    peppol_scheme = forms.CharField(required=False, max_length=4, label="Peppol scheme", help_text="EAS code, e.g. 0088 (GLN), 0208, 9930")
    peppol_id = forms.CharField(required=False, max_length=100, label="Peppol participant id")
    leitweg_id = forms.CharField(
        required=False, max_length=46, label="Leitweg-ID", help_text="German public customers only, e.g. 04011000-1234512345-06"
    )
    einvoice_format = forms.ChoiceField(choices=EInvoiceFormat.choices, label="Preferred format")


class SettingsForm(TextRuleForm):
    seller_name = forms.CharField(max_length=200, label="Company name")
    seller_tax_id = forms.CharField(max_length=50, required=False, label="Tax id")
    seller_address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Address")
    seller_email = forms.EmailField(required=False, label="Billing email")
    seller_country = forms.CharField(
        required=False, max_length=2, label="Country", help_text="Two-letter code, e.g. US, DE, GB; printed on e-invoices"
    )
    seller_peppol_scheme = forms.CharField(
        required=False, max_length=4, label="Peppol scheme", help_text="EAS code of your Peppol participant id, e.g. 0088 (GLN), 0208, 9930"
    )
    seller_peppol_id = forms.CharField(required=False, max_length=100, label="Peppol participant id", help_text="Needed for e-invoices")
    seller_contact_name = forms.CharField(required=False, max_length=100, label="Contact name", help_text="Printed on e-invoices")
    seller_phone = forms.CharField(required=False, max_length=50, label="Contact phone")
    seller_iban = forms.CharField(required=False, max_length=34, label="IBAN / account", help_text="Where customers pay; on e-invoices")
    default_currency = forms.CharField(max_length=3, label="Default currency")
    default_payment_terms_days = forms.IntegerField(min_value=0, max_value=365, label="Default payment terms (days)")
    invoices_per_order = forms.ChoiceField(choices=InvoicesPerOrder.choices, label="Invoices per order")
    invoice_number_format = forms.CharField(max_length=50, help_text="{year} and {seq:06d} are replaced")
    credit_note_number_format = forms.CharField(max_length=50)
    debit_note_number_format = forms.CharField(max_length=50)
    logo = forms.FileField(
        required=False, label="Logo", help_text="PNG or JPEG, at most 1 MB; printed on invoices, notes and statements",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )  # fmt: skip
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")
    payment_instruction = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), label="How to pay (default)",
        help_text="Bank details printed under \"How to pay\" on every invoice and debit note without instructions of its own, "
        "and as remit-to details on statements. A link to pay the invoice in the portal is printed beside it.",
    )  # fmt: skip
    email_on_issue = forms.BooleanField(required=False, label="Email each invoice to the customer when it is issued (PDF attached)")
    payment_receipts = forms.BooleanField(required=False, label="Email a receipt when a payment arrives")
    reminder_offsets = forms.CharField(
        required=False, max_length=100, label="Reminder schedule",
        help_text="Days relative to the due date, e.g. -3, 1, 7, 14 (three days before, then 1, 7 and 14 days after). "
        "Empty: no automatic reminders. Disputed and held invoices are skipped.",
    )  # fmt: skip

    LOGO_FIELDS = ("logo", "remove_logo")
    NOTIFICATION_FIELDS = ("email_on_issue", "payment_receipts", "reminder_offsets")
    BILLING_FIELDS = ("payment_instruction",)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("logo") and cleaned.get("remove_logo"):
            self.add_error("remove_logo", "Choose a new logo or remove the current one, not both.")
        return cleaned

    def settings_fields(self) -> dict[str, Any]:
        """The values for ``portal_settings_update`` (the logo has its own transition)."""
        skip = (*self.LOGO_FIELDS, *self.NOTIFICATION_FIELDS, *self.BILLING_FIELDS)
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}

    def notification_fields(self) -> dict[str, Any]:
        """The values for ``notification_settings_update``."""
        return {name: self.cleaned_data.get(name) or ("" if name == "reminder_offsets" else False) for name in self.NOTIFICATION_FIELDS}


def default_statement_period() -> tuple[dt.date, dt.date]:
    """The current month and the two before it."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - 2
    return dt.date(index // 12, index % 12 + 1, 1), today


class StatementForm(TextRuleForm):
    start = forms.DateField(required=False, widget=DateInput(), label="From")
    end = forms.DateField(required=False, widget=DateInput(), label="To")
    currency = forms.CharField(required=False, widget=forms.HiddenInput())

    def period(self) -> tuple[dt.date, dt.date]:
        self.is_valid()
        start, end = default_statement_period()
        return self.cleaned_data.get("start") or start, self.cleaned_data.get("end") or end


class MessageFilterForm(TextRuleForm):
    kind = forms.ChoiceField(required=False, choices=_choices("Any kind", MessageKind.choices))
    status = forms.ChoiceField(required=False, choices=_choices("Any status", MessageStatus.choices))
    q = forms.CharField(required=False, label="Subject", help_text="Invoice number, customer or words of the subject")

    def filters(self) -> dict[str, str]:
        self.is_valid()
        cd = self.cleaned_data
        return {"kind": cd.get("kind") or "", "status": cd.get("status") or "", "search": cd.get("q") or ""}


class InvoiceResponseUploadForm(forms.Form):
    """A Peppol Invoice Response file (UBL ApplicationResponse) the buyer sent about this invoice."""

    file = forms.FileField(label="Invoice Response (XML)", help_text="Peppol BIS Invoice Response 3, as the buyer sent it")


class WordingForm(TextRuleForm):
    """One description per locked invoice type and status (``invoices.wording``); the service holds the rules."""

    def __init__(self, *args: Any, current: Mapping[tuple[str, str], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for (subject, code), meaning in MEANINGS.items():
            self.fields[f"{subject}__{code}"] = forms.CharField(
                max_length=WORDING_MAX_LENGTH, label=DEFAULT_WORDING[(subject, code)], help_text=meaning,
                initial=current.get((subject, code), DEFAULT_WORDING[(subject, code)]),
            )  # fmt: skip

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by subject, for the page's sections."""
        return [
            (str(label), [self[name] for name in self.fields if name.startswith(f"{value}__")]) for value, label in WordingSubject.choices
        ]

    def changes(self) -> list[tuple[str, str, str, str]]:
        """(field name, subject, code, description) of each description as submitted."""
        out = []
        for name in self.fields:
            subject, _, code = name.partition("__")
            out.append((name, subject, code, self.cleaned_data.get(name, "")))
        return out
