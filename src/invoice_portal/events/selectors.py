from __future__ import annotations

from django.db.models import QuerySet

from invoice_portal.events.models import Event, EventHead


def events_after(position: int, *, types: list[str] | None = None) -> QuerySet[Event]:
    """Stamped events past ``position``, in commit order (unstamped ones are not visible yet)."""
    events = Event.objects.filter(position__gt=position).order_by("position")
    if types:
        events = events.filter(type__in=types)
    return events


def last_position() -> int:
    """The highest position stamped so far (committed together with the stamps themselves)."""
    return EventHead.objects.filter(pk=1).values_list("last_position", flat=True).first() or 0
