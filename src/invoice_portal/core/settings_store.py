from __future__ import annotations

from invoice_portal.core.models import PortalSettings


def portal_settings() -> PortalSettings:
    settings, _ = PortalSettings.objects.get_or_create(pk=1)
    return settings
