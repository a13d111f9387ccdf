"""An ``EInvoice`` (the parser's neutral structure) as the fields of one of our issued documents.

A pure function, so the issued-side import, the round-trip test and the benchmark share it. What our
documents cannot say is refused with the reason (``EInvoiceNotImportable``, 422) rather than stored
differently from what the document states:

- Quantities and prices are positive: a negative invoice is sent as a credit note.
- The net unit price is the document's price divided by its base quantity (BT-146 / BT-149), with at
  most four decimals, as our unit prices have.
- A line's allowances less its charges become its discount (our lines carry no charge of their own);
  a line whose charges exceed its allowances is refused.
- Document allowances become the document discount; they share one VAT category and rate. A document
  charge (freight, insurance) becomes a cost line of its own, with its VAT: the tax-exclusive amount,
  the VAT and the total stay the document's, and only the line total shows the charge as a line.
- Whatever the mapping gives is recomputed by ``compute_totals`` (our EN 16931 arithmetic) and must
  give the document's own line amounts, VAT and totals to the cent; else the document is refused.
- Payment terms become the payment instructions, without the "Payment within N days." sentence our
  own export derives from the dates (the due date travels on its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from invoice_portal.core.errors import DomainError
from invoice_portal.core.money import UNIT_PRICE_PLACES, ZERO, check_currency, quantize
from invoice_portal.documents.einvoice.parse import EInvoice, Line
from invoice_portal.invoices.totals import LineInput, Totals, compute_totals

_DERIVED_TERMS = re.compile(
    r"^(Payment within \d+ days\.|Payment due on receipt\.|"
    r"Credit applied to open invoices; what is not applied stays as credit on account\.)\s*"
)
MAX_DESCRIPTION = 500


class EInvoiceNotImportable(DomainError):
    """A valid e-invoice that says something our documents cannot hold (named, with where)."""

    code = "einvoice_not_importable"
    status = 422
    title = "E-invoice cannot be imported"


@dataclass(frozen=True)
class MappedDocument:
    kind: str
    number: str
    currency: str
    lines: list[dict[str, Any]]
    header: dict[str, Any]
    order_reference: str = ""
    preceding_number: str = ""
    totals: Totals | None = field(default=None, compare=False)


def _unit_price(line: Line, where: str) -> Decimal:
    base = line.base_quantity or Decimal(1)
    if base <= 0:
        raise EInvoiceNotImportable(f"{where}: the price's base quantity {base} is not above zero.", field=where)
    price = line.unit_price if base == 1 else line.unit_price / base
    if price != price.quantize(Decimal(1).scaleb(-UNIT_PRICE_PLACES)):
        raise EInvoiceNotImportable(
            f"{where}: the unit price {line.unit_price} per {base} has more than {UNIT_PRICE_PLACES} decimals per unit.", field=where
        )
    return price


def _line(line: Line, index: int, currency: str) -> dict[str, Any]:
    where = f"line {line.id or index + 1}"
    if line.quantity <= 0:
        raise EInvoiceNotImportable(
            f"{where}: quantity {line.quantity}; our documents carry positive quantities (send a credit note for a negative amount).",
            field=where,
        )
    if line.unit_price < 0:
        raise EInvoiceNotImportable(f"{where}: a negative unit price ({line.unit_price}) cannot be imported.", field=where)
    discount = sum((-ac.amount if ac.charge else ac.amount for ac in line.allowances_charges), ZERO)
    if discount < 0:
        raise EInvoiceNotImportable(
            f"{where}: the line's charges exceed its allowances; our lines carry a discount only (send the charge as a line).",
            field=where,
        )
    description = line.name or line.description
    if line.description and line.description != line.name and line.name:
        description = f"{line.name} — {line.description}"
    return {
        "kind": "item",
        "sku": line.seller_item_id[:100],
        "description": description[:MAX_DESCRIPTION],
        "quantity": line.quantity,
        "unit_code": (line.unit_code or "C62")[:3],
        "unit_price": _unit_price(line, where),
        "discount": quantize(discount, currency) if discount else ZERO,
        "tax_category": line.tax_category,
        "tax_rate": line.tax_rate if line.tax_rate is not None else ZERO,
    }


def _document_discount(doc: EInvoice) -> dict[str, Any]:
    allowances = [ac for ac in doc.allowances_charges if not ac.charge]
    if not allowances:
        return {}
    kinds = {(ac.tax_category, (ac.tax_rate or ZERO).normalize()) for ac in allowances}
    if len(kinds) > 1:
        raise EInvoiceNotImportable(
            "AllowanceCharge: document allowances in several VAT categories or rates; our documents carry one discount.",
            field="AllowanceCharge",
        )
    category, rate = kinds.pop()
    amount = sum((ac.amount for ac in allowances), ZERO)
    if amount < 0:
        raise EInvoiceNotImportable("AllowanceCharge: a negative document allowance cannot be imported.", field="AllowanceCharge")
    return {"discount": amount, "discount_tax_category": category, "discount_tax_rate": rate}


def _charge_lines(doc: EInvoice) -> list[dict[str, Any]]:
    lines = []
    for ac in doc.allowances_charges:
        if not ac.charge:
            continue
        if ac.amount < 0:
            raise EInvoiceNotImportable("AllowanceCharge: a negative document charge cannot be imported.", field="AllowanceCharge")
        lines.append({
            "kind": "cost", "description": (ac.reason or ac.reason_code or "Charge")[:MAX_DESCRIPTION], "quantity": Decimal(1),
            "unit_code": "C62", "unit_price": ac.amount, "discount": ZERO, "tax_category": ac.tax_category,
            "tax_rate": ac.tax_rate if ac.tax_rate is not None else ZERO,
        })  # fmt: skip
    return lines


def _check_totals(doc: EInvoice, lines: list[dict[str, Any]], discount: dict[str, Any], currency: str) -> Totals:
    totals = compute_totals(
        (LineInput(ln["quantity"], ln["unit_price"], ln["discount"], ln["tax_category"], ln["tax_rate"]) for ln in lines),
        currency=currency,
        discount=discount.get("discount", ZERO),
        discount_tax_category=discount.get("discount_tax_category", ""),
        discount_tax_rate=discount.get("discount_tax_rate"),
    )
    for i, line in enumerate(doc.lines):
        if totals.line_nets[i] != line.net_amount:
            where = f"line {line.id or i + 1}"
            raise EInvoiceNotImportable(
                f"{where}: quantity × net price − allowances gives {totals.line_nets[i]}, the document says {line.net_amount}.", field=where
            )
    charges = sum((ac.amount for ac in doc.allowances_charges if ac.charge), ZERO)
    expected = {
        "LineExtensionAmount": (totals.line_net_total - charges, doc.totals.line_total),
        "TaxExclusiveAmount": (totals.tax_exclusive_total, doc.totals.tax_exclusive),
        "TaxAmount": (totals.tax_total, doc.totals.tax if doc.totals.tax is not None else totals.tax_total),
        "TaxInclusiveAmount": (totals.total, doc.totals.tax_inclusive),
    }
    for name, (ours, theirs) in expected.items():
        if ours != theirs:
            raise EInvoiceNotImportable(f"{name}: the lines give {ours}, the document says {theirs}.", field=name)
    return totals


def einvoice_map(doc: EInvoice) -> MappedDocument:
    """The fields of our issued document for ``doc``, or ``EInvoiceNotImportable`` naming what does not fit."""
    if not doc.number:
        raise EInvoiceNotImportable("ID: the document has no number.", field="ID")
    if len(doc.number) > 50:
        raise EInvoiceNotImportable("ID: a document number has at most 50 characters.", field="ID")
    if not doc.lines:
        raise EInvoiceNotImportable("The document has no lines.", field="lines")
    currency = check_currency(doc.currency)
    if doc.issue_date is None:
        raise EInvoiceNotImportable("IssueDate: the document has no issue date.", field="IssueDate")
    if doc.due_date is not None and doc.due_date < doc.issue_date:
        raise EInvoiceNotImportable("DueDate: before the issue date.", field="DueDate")
    lines = [_line(line, i, currency) for i, line in enumerate(doc.lines)] + _charge_lines(doc)
    discount = _document_discount(doc)
    totals = _check_totals(doc, lines, discount, currency)
    header: dict[str, Any] = {
        "issue_date": doc.issue_date,
        "due_date": doc.due_date,
        "service_start": doc.period_start,
        "service_end": doc.period_end,
        "notes": "\n".join(doc.notes),
        "payment_instructions": _DERIVED_TERMS.sub("", doc.payment_terms),
        **discount,
    }
    return MappedDocument(
        kind=doc.kind.value,
        number=doc.number,
        currency=currency,
        lines=lines,
        header=header,
        order_reference=doc.order_reference,
        preceding_number=doc.preceding_invoices[0].number if doc.preceding_invoices else "",
        totals=totals,
    )
