"""Gapless document numbers.

A number is taken from a counter row inside the transaction that issues the document:
the row lock serializes concurrent issuers, and if the issue fails the increment rolls
back with it, so no number is ever burnt or given twice.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from invoice_portal.core.models import NumberSequence


def next_value(key: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside the issuing transaction")
    updated = NumberSequence.objects.filter(key=key).update(last_value=F("last_value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, last_value=1)
                return 1
        except IntegrityError:
            # Another transaction created the counter first; take the next value from it.
            NumberSequence.objects.filter(key=key).update(last_value=F("last_value") + 1)
    return NumberSequence.objects.get(key=key).last_value


def format_number(template: str, *, year: int, seq: int) -> str:
    return template.format(year=year, seq=seq)
