"""Where a change comes from (UI, API token, import batch, webhook), carried by a context variable.

Entry points set it once; every audit event written below them records it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    channel: str = "system"
    ref: str = ""


_origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039 - Origin is frozen


def current_origin() -> Origin:
    return _origin.get()


@contextmanager
def origin(channel: str, ref: str = "") -> Iterator[None]:
    token = _origin.set(Origin(channel, ref))
    try:
        yield
    finally:
        _origin.reset(token)
