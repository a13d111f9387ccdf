"""Object ids from untrusted text: one parser with bounds, used by every view, API filter and webhook.

An id is a positive integer of ASCII digits that fits the database's 64-bit key. ``str.isdigit`` is
not enough: it is true for "²" and Arabic-Indic digits, and it lets 5,000 digits through to an
``int()`` the database cannot compare with (SQLite raises an overflow error).
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: object) -> int | None:
    """The id ``value`` names (an int, a model instance or its digits as text), or None for anything else."""
    value = getattr(value, "pk", value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            return None
        number = int(text)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
