"""Credit and debit notes (memos): from an invoice (whole, some lines, or an amount) or standalone."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, ValidationFailed
from invoice_portal.core.money import TAX_RATE_PLACES, ZERO, minor_digits, to_decimal
from invoice_portal.invoices.models import Direction, Invoice, Kind, Source, Status
from invoice_portal.invoices.services.documents import check_credited_within_total, invoice_create, invoice_issue
from invoice_portal.invoices.wording import status_words


def _line_dict(line: Any, quantity: Decimal | None = None) -> dict[str, Any]:
    return {
        "kind": line.kind, "sku": line.sku, "description": line.description,
        "quantity": quantity if quantity is not None else line.quantity, "unit_code": line.unit_code,
        "unit_price": line.unit_price, "discount": line.discount if quantity is None else ZERO,
        "tax_category": line.tax_category, "tax_rate": line.tax_rate,
    }  # fmt: skip


def _memo_lines_from_invoice(
    invoice: Invoice,
    *,
    lines: Mapping[int, Any] | None,
    amount: object | None,
    tax_category: str,
    tax_rate: object | None,
    description: str,
) -> list[dict[str, Any]]:
    if lines is not None and amount is not None:
        raise ValidationFailed("Credit either some lines or an amount, not both.", field="amount")
    source_lines = {ln.pk: ln for ln in invoice.lines.all()}
    if amount is not None:
        value = to_decimal(amount, field="amount", places=minor_digits(invoice.currency))
        if value <= ZERO:
            raise ValidationFailed("amount: must be above zero.", field="amount")
        rates = {(ln.tax_category, ln.tax_rate) for ln in source_lines.values()}
        if tax_category:
            category, rate = tax_category, to_decimal(tax_rate or "0", field="tax_rate", places=TAX_RATE_PLACES)
        elif len(rates) == 1:
            category, rate = rates.pop()
        else:
            raise ValidationFailed("tax_rate: the invoice has several VAT rates; say which one the amount carries.", field="tax_rate")
        return [{"description": description or f"Adjustment to {invoice}", "quantity": "1", "unit_price": value,
                 "tax_category": category, "tax_rate": rate}]  # fmt: skip
    if lines is None:
        return [_line_dict(ln) for ln in source_lines.values()]
    picked = []
    for line_id, qty in lines.items():
        line = source_lines.get(int(line_id))
        if line is None:
            raise ValidationFailed(f"lines: line {line_id} is not on {invoice}.", field="lines")
        quantity = None if qty is None else to_decimal(qty, field=f"lines[{line_id}].quantity", places=4)
        if quantity is not None and (quantity <= ZERO or quantity > line.quantity):
            raise ValidationFailed(f"lines[{line_id}].quantity: between 0 and {line.quantity}.", field="lines")
        picked.append(_line_dict(line, quantity))
    if not picked:
        raise ValidationFailed("lines: pick at least one line.", field="lines")
    return picked


@transaction.atomic
def credit_note_create(
    *,
    actor: Any,
    invoice: Invoice | None = None,
    company: Company | None = None,
    lines: Any = None,
    amount: object | None = None,
    tax_category: str = "",
    tax_rate: object | None = None,
    description: str = "",
    notes: str = "",
    issue: bool = True,
    apply: bool = True,
) -> Invoice:
    """A credit note for an invoice (whole, ``lines`` {line id: qty or None}, or a net ``amount``) or standalone.

    Issued at once by default and applied to the invoice it credits up to that invoice's
    balance; what is left stays as credit on the company's account. An invoice can be
    credited at most its total.
    """
    from invoice_portal.payments.services import credit_note_apply

    discount: dict[str, Any] = {}
    if invoice is not None:
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind == Kind.CREDIT_NOTE or invoice.direction != Direction.ISSUED:
            raise ValidationFailed("invoice: only issued invoices and debit notes can be credited.", field="invoice")
        if invoice.status in (Status.DRAFT, Status.CANCELED):
            raise Conflict(f"{invoice} is {status_words(invoice)}; there is nothing to credit.")
        memo_lines = _memo_lines_from_invoice(
            invoice, lines=lines, amount=amount, tax_category=tax_category, tax_rate=tax_rate, description=description
        )
        if lines is None and amount is None and invoice.discount:
            # The whole invoice, as it was billed: its lines less its document-level discount.
            discount = {"discount": invoice.discount, "discount_tax_category": invoice.discount_tax_category,
                        "discount_tax_rate": invoice.discount_tax_rate}  # fmt: skip
        company = invoice.company
    else:
        if company is None or lines is None:
            raise ValidationFailed("A standalone credit note needs a company and lines.", field="company")
        memo_lines = list(lines)
    credit = invoice_create(
        actor=actor, company=company, lines=memo_lines, kind=Kind.CREDIT_NOTE, source=Source.MANUAL,
        currency=invoice.currency if invoice else company.currency, related_invoice=invoice, notes=notes, **discount,
    )  # fmt: skip
    if invoice is not None:
        check_credited_within_total(invoice)
    if issue:
        credit = invoice_issue(actor=actor, invoice=credit)
        if apply and invoice is not None and invoice.balance > ZERO:
            credit_note_apply(actor=actor, credit_note=credit, allocations=[(invoice, min(invoice.balance, credit.total))])
            credit.refresh_from_db()
    return credit


@transaction.atomic
def debit_note_create(
    *, actor: Any, company: Company, lines: list[dict[str, Any]], invoice: Invoice | None = None, notes: str = "", issue: bool = True
) -> Invoice:
    """A debit note raises what the customer owes, standalone or referring to an invoice."""
    if invoice is not None and (invoice.company_id != company.pk or invoice.status == Status.DRAFT):
        raise ValidationFailed("invoice: a debit note refers to an issued invoice of the same company.", field="invoice")
    debit = invoice_create(
        actor=actor, company=company, lines=lines, kind=Kind.DEBIT_NOTE, source=Source.MANUAL,
        currency=invoice.currency if invoice else company.currency, related_invoice=invoice, notes=notes,
    )  # fmt: skip
    return invoice_issue(actor=actor, invoice=debit) if issue else debit
