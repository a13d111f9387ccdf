"""Number formats: only the documented placeholders, parsed by our own grammar (never str.format)."""

from __future__ import annotations

import pytest

from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.numbering import format_number
from invoice_portal.seller.services import portal_settings_update


@pytest.mark.parametrize(
    ("template", "expected"),
    [("INV-{year}-{seq:06d}", "INV-2026-000042"), ("{seq}", "42"), ("CN{seq:01d}/{year}", "CN42/2026"),
     ("{{draft}}-{seq:012d}", "{draft}-000000000042"), ("Rechnung Nr. {seq:03d}", "Rechnung Nr. 042")],
)  # fmt: skip
def test_the_documented_placeholders_are_replaced(template: str, expected: str) -> None:
    assert format_number(template, year=2026, seq=42) == expected


@pytest.mark.parametrize(
    "template",
    ["INV-{seq[0]}", "INV-{seq}{seq.foo}", "INV-{seq}{year.__class__}", "INV-{seq}{0}", "INV-{seq!r}", "INV-{seq:>10}",
     "INV-{seq:06x}", "INV-{seq:013d}", "INV-{seq", "INV-}{seq}", "INV-{}{seq}", "INV-{month}-{seq}"],
)  # fmt: skip
def test_anything_else_is_a_validation_error_not_a_500(template: str) -> None:
    with pytest.raises(ValidationFailed, match="placeholder"):
        format_number(template, year=2026, seq=1)


@pytest.mark.django_db
@pytest.mark.parametrize("template", ["INV-{seq[0]}", "INV-{seq}{seq.foo}", "INV-{seq}{year.__class__}"])
def test_the_settings_refuse_a_format_outside_the_grammar(template: str) -> None:
    with pytest.raises(ValidationFailed, match="invoice_number_format: unknown placeholder") as refused:
        portal_settings_update(actor=None, invoice_number_format=template)
    assert refused.value.field == "invoice_number_format"


@pytest.mark.django_db
def test_the_settings_still_need_the_sequence() -> None:
    with pytest.raises(ValidationFailed, match="include"):
        portal_settings_update(actor=None, invoice_number_format="INV-{year}")
    settings = portal_settings_update(actor=None, invoice_number_format="R-{year}/{seq:05d}")
    assert settings.invoice_number_format == "R-{year}/{seq:05d}"
