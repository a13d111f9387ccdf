from __future__ import annotations

from django.contrib import admin

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "channel", "action", "object_type", "object_id")
    list_filter = ("channel", "action", "object_type")


admin.site.register(DocumentSeal, ReadOnlyAdmin)
