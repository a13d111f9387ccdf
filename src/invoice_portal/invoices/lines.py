"""Validation of invoice lines coming from any entry point (UI, API, import, order copy)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.money import QUANTITY_PLACES, TAX_RATE_PLACES, UNIT_PRICE_PLACES, ZERO, minor_digits, quantize, to_decimal
from invoice_portal.documents.einvoice.units import check_unit_code
from invoice_portal.invoices.models import LineKind, TaxCategory
from invoice_portal.invoices.totals import LineInput

ZERO_RATED = {"Z", "E", "AE", "K", "G", "O"}
_LINE_KEYS = {
    "kind",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "tax_category",
    "tax_rate",
    "unit_code",
    "order_line",
    "order_line_id",
}


@dataclass(frozen=True)
class LineSpec:
    kind: str
    sku: str
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    discount: Decimal
    tax_category: str
    tax_rate: Decimal
    order_line_id: int | None

    def as_input(self) -> LineInput:
        return LineInput(self.quantity, self.unit_price, self.discount, self.tax_category, self.tax_rate)


# The choices as sets, built once (``Choices.values`` builds a new list at every call; imports check thousands of lines).
_TAX_CATEGORIES = frozenset(TaxCategory.values)
_LINE_KINDS = frozenset(LineKind.values)


def check_tax(category: str, rate: Decimal, *, field: str) -> None:
    if category not in _TAX_CATEGORIES:
        raise ValidationFailed(f"{field}: '{category}' is not a VAT category ({', '.join(TaxCategory.values)}).", field=field)
    if category in ZERO_RATED and rate != 0:
        raise ValidationFailed(f"{field}: category {category} carries a 0 % rate (got {rate} %).", field=field)
    if category == "S" and rate <= 0:
        raise ValidationFailed(f"{field}: the standard category S needs a rate above 0 %.", field=field)
    if not (0 <= rate <= 100):
        raise ValidationFailed(f"{field}: a tax rate is between 0 and 100 %.", field=field)


def parse_line(raw: Mapping[str, Any], currency: str, *, index: int) -> LineSpec:
    prefix = f"lines[{index}]"
    unknown = set(raw) - _LINE_KEYS
    if unknown:
        raise ValidationFailed(f"{prefix}: unknown fields {', '.join(sorted(unknown))}.", field=prefix)
    kind = raw.get("kind", LineKind.ITEM)
    if kind not in _LINE_KINDS:
        raise ValidationFailed(f"{prefix}.kind: must be 'item' or 'cost'.", field=f"{prefix}.kind")
    description = str(raw.get("description") or "").strip()
    if not description:
        raise ValidationFailed(f"{prefix}.description: a line needs a description.", field=f"{prefix}.description")
    if len(description) > 500:
        raise ValidationFailed(f"{prefix}.description: at most 500 characters.", field=f"{prefix}.description")
    quantity = to_decimal(raw.get("quantity", "1"), field=f"{prefix}.quantity", places=QUANTITY_PLACES)
    if quantity <= 0:
        raise ValidationFailed(f"{prefix}.quantity: must be above zero.", field=f"{prefix}.quantity")
    unit_price = to_decimal(raw.get("unit_price"), field=f"{prefix}.unit_price", places=UNIT_PRICE_PLACES)
    discount = to_decimal(raw.get("discount", "0"), field=f"{prefix}.discount", places=minor_digits(currency))
    if discount > quantize(quantity * unit_price, currency):
        raise ValidationFailed(f"{prefix}.discount: larger than the line amount.", field=f"{prefix}.discount")
    category = str(raw.get("tax_category") or "S")
    rate = to_decimal(raw.get("tax_rate", "0"), field=f"{prefix}.tax_rate", places=TAX_RATE_PLACES)
    if "tax_category" not in raw and rate == 0:
        category = "Z"
    check_tax(category, rate, field=f"{prefix}.tax_rate")
    unit_code = str(raw.get("unit_code") or "C62").strip()
    check_unit_code(unit_code, label=f"{prefix}.unit_code", field=f"{prefix}.unit_code")
    order_line = raw.get("order_line_id", raw.get("order_line"))
    order_line_id = getattr(order_line, "pk", order_line)
    return LineSpec(
        kind=str(kind),
        sku=str(raw.get("sku") or "")[:100],
        description=description,
        quantity=quantity,
        unit_code=unit_code,
        unit_price=unit_price,
        discount=discount,
        tax_category=category,
        tax_rate=rate,
        order_line_id=int(order_line_id) if order_line_id is not None else None,
    )


def parse_lines(raw_lines: Iterable[Mapping[str, Any]], currency: str) -> list[LineSpec]:
    if isinstance(raw_lines, (str, bytes)) or not isinstance(raw_lines, Iterable):
        raise ValidationFailed("lines: a list of lines is expected.", field="lines")
    specs = [parse_line(raw, currency, index=i) for i, raw in enumerate(raw_lines)]
    if len(specs) > 1000:
        raise ValidationFailed("lines: at most 1000 lines per document.", field="lines")
    return specs


def resolve_discount_tax(specs: list[LineSpec], discount: Decimal, category: str, rate: Decimal | None) -> tuple[str, Decimal | None]:
    """A document discount needs a VAT category and rate; default to the lines' one when they share one."""
    if discount == ZERO:
        return "", None
    if category:
        check_tax(category, rate or ZERO, field="discount_tax_rate")
        return category, rate or ZERO
    kinds = {(s.tax_category, s.tax_rate) for s in specs}
    if len(kinds) == 1:
        return kinds.pop()
    raise ValidationFailed(
        "discount: the lines carry several VAT rates; say which category and rate the discount reduces.", field="discount_tax_category"
    )
