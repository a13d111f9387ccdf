from __future__ import annotations

from django.contrib import admin

from invoice_portal.core.admin import ReadOnlyAdmin
from invoice_portal.invoices.models import Dispute, Invoice, InvoiceLine


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "company", "status", "currency", "total", "balance", "issue_date", "due_date", "source")
    list_filter = ("status", "kind", "direction", "source", "currency")
    search_fields = ("number", "external_id", "company__name", "company__external_id")
    list_select_related = ("company",)
    inlines = [InvoiceLineInline]


admin.site.register(Dispute, ReadOnlyAdmin)
