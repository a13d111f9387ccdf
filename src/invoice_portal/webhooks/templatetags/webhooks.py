from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.webhooks.models import DeliveryStatus

register = template.Library()


@register.simple_tag
def delivery_badge(status: str) -> SafeString:
    return badge_html(DeliveryStatus(status).label, DeliveryStatus.colour(status))
