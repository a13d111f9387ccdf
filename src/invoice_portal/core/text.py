"""The one text rule: what a free-text value may contain.

Text the portal stores ends up in XML (UBL e-invoices), PDFs, CSV exports and emails. XML 1.0
cannot carry the C0 control characters other than tab, line feed and carriage return, nor the
non-characters U+FFFE/U+FFFF or lone surrogates, and no database column stores NUL. So every edge
(API schemas, forms, imports) refuses them with ``text_problem``, and writers that must never fail
on older rows clean them with ``xml_safe``.
"""

from __future__ import annotations

import re

# The same set as a character class, for patterns (pydantic, Django validators).
FORBIDDEN_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
FORBIDDEN = re.compile(f"[{FORBIDDEN_CLASS}\ud800-\udfff]")
ALLOWED_PATTERN = f"^[^{FORBIDDEN_CLASS}]*$"
MESSAGE = "must not contain control characters (only tab and line breaks are allowed)"


def text_problem(value: str) -> str | None:
    """Why ``value`` is refused (naming the first offending character and where), or None when it is fine."""
    match = FORBIDDEN.search(value)
    if match is None:
        return None
    return f"{MESSAGE}; found U+{ord(match.group()):04X} at character {match.start() + 1}"


def xml_safe(value: str) -> str:
    """``value`` without the characters XML cannot carry (for text stored before the rule existed)."""
    return FORBIDDEN.sub("", value)
