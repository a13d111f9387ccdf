"""The one function that derives a document's totals from its lines (EN 16931 arithmetic).

Rules: each line's net amount is quantity × unit price rounded to the currency's minor
units, less its line discount. The document-level discount is an allowance with its
own VAT category and rate. VAT is computed once per (category, rate) on that category's
base (line nets minus allowances in it) and rounded there, never per line; the document
total is the sum of the rounded parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from invoice_portal.core.money import ZERO, quantize


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_category: str
    tax_rate: Decimal


@dataclass(frozen=True)
class TaxBreakdown:
    category: str
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    line_nets: tuple[Decimal, ...]
    line_net_total: Decimal
    allowance_total: Decimal
    tax_exclusive_total: Decimal
    tax_total: Decimal
    total: Decimal
    breakdown: tuple[TaxBreakdown, ...] = field(default_factory=tuple)


def line_net(line: LineInput, currency: str) -> Decimal:
    return quantize(line.quantity * line.unit_price, currency) - quantize(line.discount, currency)


@dataclass(frozen=True)
class LineRounding:
    """A line whose quantity × unit price has more decimals than its currency: what was typed and what is billed."""

    index: int
    exact: Decimal
    rounded: Decimal


def line_roundings(lines: Iterable[LineInput], currency: str) -> list[LineRounding]:
    """The lines ``line_net`` rounds (docs/domain.md, "Unit prices"): a unit price may carry up to four decimals
    (0.0125 per unit), the line amount is billed in the currency's minor units, and the editor says so."""
    found = []
    for i, line in enumerate(lines):
        exact = line.quantity * line.unit_price
        if (rounded := quantize(exact, currency)) != exact:
            found.append(LineRounding(index=i, exact=exact.normalize(), rounded=rounded))
    return found


def compute_totals(
    lines: Iterable[LineInput],
    *,
    currency: str,
    discount: Decimal = ZERO,
    discount_tax_category: str = "",
    discount_tax_rate: Decimal | None = None,
) -> Totals:
    lines = list(lines)
    nets = tuple(line_net(line, currency) for line in lines)
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        key = (line.tax_category, line.tax_rate.normalize() if line.tax_rate else Decimal(0))
        bases[key] = bases.get(key, ZERO) + net
    allowance = quantize(discount, currency)
    if allowance:
        key = (discount_tax_category, (discount_tax_rate or Decimal(0)).normalize())
        bases[key] = bases.get(key, ZERO) - allowance
    breakdown = tuple(
        TaxBreakdown(category=cat, rate=rate, base=base, tax=quantize(base * rate / 100, currency))
        for (cat, rate), base in sorted(bases.items(), key=lambda item: (item[0][0], item[0][1]))
    )
    line_net_total = sum(nets, ZERO)
    tax_exclusive = line_net_total - allowance
    tax_total = sum((b.tax for b in breakdown), ZERO)
    return Totals(
        line_nets=nets,
        line_net_total=line_net_total,
        allowance_total=allowance,
        tax_exclusive_total=tax_exclusive,
        tax_total=tax_total,
        total=tax_exclusive + tax_total,
        breakdown=breakdown,
    )
