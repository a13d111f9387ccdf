"""Field types and schemas shared by every resource of the API.

Money, quantities and rates travel as strings (a float has already lost the exact value);
their patterns are declared in the OpenAPI, and the domain re-checks the currency's digits.
Text fields follow the one text rule of ``core.text``: no control characters (XML and databases cannot carry them).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field

from invoice_portal.api.problems import PATTERN_MESSAGES
from invoice_portal.core.money import as_str
from invoice_portal.core.text import ALLOWED_PATTERN
from invoice_portal.core.text import MESSAGE as TEXT_MESSAGE

MAX_ID = 2**63 - 1
# [0-9], not \d: \d matches every Unicode digit ("١٢").
AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"
QUANTITY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"
RATE_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,3})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
TEXT_PATTERN = ALLOWED_PATTERN  # the project's one text rule (core.text)

PATTERN_MESSAGES.update(
    {
        AMOUNT_PATTERN: 'an amount as a string of digits with up to 4 decimals, e.g. "118.00"',
        RATE_PATTERN: 'a percentage as a string, e.g. "19" or "7.5"',
        CURRENCY_PATTERN: "an ISO 4217 currency code in capitals, e.g. USD",
        TEXT_PATTERN: f"text {TEXT_MESSAGE}",
    }
)

Id = Annotated[int, Field(ge=1, le=MAX_ID, description="An object id")]
Amount = Annotated[str, Field(pattern=AMOUNT_PATTERN, description="Decimal amount as a string", examples=["118.00"])]
Quantity = Annotated[str, Field(pattern=QUANTITY_PATTERN, description="Decimal quantity as a string", examples=["2"])]
Rate = Annotated[str, Field(pattern=RATE_PATTERN, description="Percentage as a string", examples=["19"])]
Currency = Annotated[str, Field(pattern=CURRENCY_PATTERN, description="ISO 4217 code", examples=["USD"])]
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    """A date is written YYYY-MM-DD: pydantic alone would read ``0`` or ``1700000000`` as a Unix timestamp."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("a date as YYYY-MM-DD is expected")


Date = Annotated[dt.date, BeforeValidator(_iso_date), Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]
Limit = Annotated[int, Field(ge=1, le=200, description="Page size, at most 200")]


Text20 = Annotated[str, Field(max_length=20, pattern=TEXT_PATTERN)]
Text50 = Annotated[str, Field(max_length=50, pattern=TEXT_PATTERN)]
Text100 = Annotated[str, Field(max_length=100, pattern=TEXT_PATTERN)]
Text200 = Annotated[str, Field(max_length=200, pattern=TEXT_PATTERN)]
Text500 = Annotated[str, Field(max_length=500, pattern=TEXT_PATTERN)]
Text = Annotated[str, Field(max_length=10_000, pattern=TEXT_PATTERN)]
Name200 = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
SearchText = Annotated[str, Field(max_length=200, pattern=TEXT_PATTERN)]
Cursor = Annotated[str, Field(max_length=1000, pattern=r"^[A-Za-z0-9_\-=]*$", description="Opaque cursor from next_cursor")]


class Page[T](Schema):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page")


class AllocationIn(Schema):
    invoice: Id
    amount: Amount


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """An error, as application/problem+json (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable reason")
    errors: list[FieldError] = Field(default_factory=list, description="Per-field problems")


def money(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else as_str(amount, currency)


def plain_decimal(value: Decimal | None, *, min_places: int = 0) -> str | None:
    """A stored decimal without trailing zeros beyond ``min_places`` ("2.0000" → "2", "25.5000" → "25.50" with 2)."""
    if value is None:
        return None
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    places = max(-exponent, min_places, 0)
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


# Error responses each kind of operation declares in the OpenAPI.
READ_ERRORS = (401, 403, 422)
READ_ONE_ERRORS = (401, 403, 404, 422)
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)
CREATE_ERRORS = (400, 401, 403, 409, 422)


def responses(ok: dict[int, Any], errors: tuple[int, ...]) -> dict[int, Any]:
    return {**ok, **dict.fromkeys(errors, Problem)}
