"""Unit codes as EN 16931 takes them: UN/ECE Recommendation 20 with the Recommendation 21 extension (BR-CL-23).

The list is read from CEN's own EN 16931 UBL schematron (``validation.UBL_SCHEMATRON``, the assert of
BR-CL-23), never a copy of ours, so a line this accepts is one the UBL of a transaction run can carry.
Rec 21 package codes carry an ``X`` prefix there (``XBX`` box, ``XPK`` package).
"""

from __future__ import annotations

import re
from functools import cache

from invoice_portal.core.errors import ValidationFailed
from invoice_portal.documents.einvoice.validation import UBL_SCHEMATRON

SUGGESTION = "use e.g. C62 (one) or H87 (piece)"


@cache
def unit_codes() -> frozenset[str]:
    """Every unit code BR-CL-23 allows."""
    text = UBL_SCHEMATRON.read_text(encoding="utf-8")
    end = text.index("[BR-CL-23]")
    start = text.rindex("<xsl:when test=", 0, end)
    found = re.search(r"contains\(\s*'\s([^']*)\s'", text[start:end])
    if found is None:  # pragma: no cover - the CEN artifact changed shape
        raise RuntimeError("BR-CL-23's unit code list is not where the EN 16931 UBL schematron kept it.")
    return frozenset(found.group(1).split())


def unit_code_problem(code: str, *, label: str) -> str | None:
    """Why ``code`` cannot be a line's unit (``label`` names the field, e.g. "Line 2, unit"); None when it can."""
    if code in unit_codes():
        return None
    return f"{label}: '{code}' is not a UN/ECE unit code; {SUGGESTION}."


def check_unit_code(code: str, *, label: str, field: str) -> None:
    """Refuse a unit code EN 16931 does not know (``ValidationFailed`` on ``field``)."""
    problem = unit_code_problem(code, label=label)
    if problem is not None:
        raise ValidationFailed(problem, field=field)
