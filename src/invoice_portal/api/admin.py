from __future__ import annotations

from django.contrib import admin

from invoice_portal.api.models import ApiToken
from invoice_portal.core.admin import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are made with ``invoice-portal token create`` (the only moment the secret is shown) and revoked there."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__email", "name")
    exclude = ("token_hash",)
