"""The Leitweg-ID of a German public customer: the routing id XRechnung carries as BT-10 buyer reference.

Format (KoSIT, "Formatspezifikation Leitweg-ID" 2.0): a coarse address of 2 to 12 digits, an optional
fine address of up to 30 letters and digits, and two check digits, joined by hyphens
(``04011000-1234512345-06``, ``991-33333TEST-33``). The check digits are ISO 7064 mod 97-10 over the
coarse and fine address without hyphens, letters read as numbers (A=10 … Z=35, case-insensitive), as
in an IBAN: ``98 - (N·100 mod 97)``; a valid id satisfies ``N·100 + check ≡ 1 (mod 97)``.
"""

from __future__ import annotations

import re

from invoice_portal.core.errors import ValidationFailed

_FORMAT = re.compile(r"^(?P<coarse>\d{2,12})(?:-(?P<fine>[A-Z0-9]{1,30}))?-(?P<check>\d{2})$")


def leitweg_check_digits(coarse: str, fine: str = "") -> str:
    """The two check digits of a Leitweg-ID with these coarse and fine addresses."""
    number = "".join(str(int(c, 36)) for c in f"{coarse}{fine}".upper())
    return f"{98 - int(number + '00') % 97:02d}"


def check_leitweg_id(value: str, *, field: str = "leitweg_id") -> str:
    """``value`` cleaned (trimmed, upper case), "" for none, or ``ValidationFailed`` saying what is wrong."""
    cleaned = (value or "").strip().upper()
    if not cleaned:
        return ""
    match = _FORMAT.match(cleaned)
    if match is None:
        raise ValidationFailed(
            f"{field}: '{value.strip()}' is not a Leitweg-ID: 2–12 digits, optionally a hyphen and up to 30 letters "
            "or digits, then a hyphen and 2 check digits (e.g. 04011000-1234512345-06).",
            field=field,
        )
    expected = leitweg_check_digits(match["coarse"], match["fine"] or "")
    if match["check"] != expected:
        raise ValidationFailed(
            f"{field}: the check digits of '{cleaned}' are wrong (mod 97-10 gives {expected}); check the id for a typo.",
            field=field,
        )
    return cleaned
