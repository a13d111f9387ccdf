from __future__ import annotations

from django.contrib import admin

from invoice_portal.core.admin import ReadOnlyAdmin
from invoice_portal.integrations.models import GatewayEvent, SimulatedSession, SimulatedWebhook


@admin.register(GatewayEvent)
class GatewayEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "gateway", "event_type", "event_id", "outcome", "checkout", "deliveries", "detail")
    list_filter = ("gateway", "outcome", "kind")
    search_fields = ("event_id", "payment_reference")


admin.site.register(SimulatedSession, ReadOnlyAdmin)
admin.site.register(SimulatedWebhook, ReadOnlyAdmin)
