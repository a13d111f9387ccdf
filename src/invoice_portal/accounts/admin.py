from __future__ import annotations

from django.contrib import admin

from invoice_portal.accounts.models import Role, RoleGrant, User
from invoice_portal.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("email", "full_name", "company", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name")
    exclude = ("password",)


admin.site.register(Role, ReadOnlyAdmin)
admin.site.register(RoleGrant, ReadOnlyAdmin)
