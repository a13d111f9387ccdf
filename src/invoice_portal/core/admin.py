"""The Django admin shows the data read-only: every write goes through the domain services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from invoice_portal.core.models import NumberSequence, PortalSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    """Seller staff flagged ``is_staff`` may look at every table; nobody writes here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


admin.site.register(PortalSettings, ReadOnlyAdmin)
admin.site.register(NumberSequence, ReadOnlyAdmin)
admin.site.site_header = "Invoice Portal data"
