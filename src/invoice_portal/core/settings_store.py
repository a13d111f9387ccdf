"""The portal settings row, and an opt-in "read it once" scope for code paths that never change it.

Outside a scope every call reads the row, so a change is seen at once. Inside
``settings_read_once()`` (an API call) the first read is kept until the scope ends: one
issue reads the number formats, the email's sender and its template each from the same
row, and no API endpoint changes the settings, so nothing there can see a stale copy.
The next call opens a new scope and reads the row again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from invoice_portal.core.models import PortalSettings
from invoice_portal.core.prepared import Prepared

_ROW = Prepared(lambda: PortalSettings.objects.filter(pk=1))  # read by every transition: its statement is built once
_scope: ContextVar[list[PortalSettings] | None] = ContextVar("portal_settings_scope", default=None)


def portal_settings() -> PortalSettings:
    kept = _scope.get()
    if kept:
        return kept[0]
    settings = _ROW.first() or PortalSettings.objects.get_or_create(pk=1)[0]
    if kept is not None:
        kept.append(settings)
    return settings


@contextmanager
def settings_read_once() -> Iterator[None]:
    """Read the settings row at most once inside this block (only around code that does not change it)."""
    token = _scope.set([])
    try:
        yield
    finally:
        _scope.reset(token)
