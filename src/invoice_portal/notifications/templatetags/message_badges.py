"""``{% message_badge status %}``: an email's delivery status as a coloured badge (``{% load message_badges %}``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.notifications.models import MessageStatus

register = template.Library()


@register.simple_tag
def message_badge(status: str) -> SafeString:
    return badge_html(MessageStatus(status).label, MessageStatus.colour(status))
