from __future__ import annotations

from django.contrib import admin

from invoice_portal.core.admin import ReadOnlyAdmin
from invoice_portal.remittances.models import PromiseToPay, RemittanceAdvice, RemittanceLine


@admin.register(RemittanceAdvice)
class RemittanceAdviceAdmin(ReadOnlyAdmin):
    list_display = ("pk", "company", "amount", "currency", "method", "reference", "paid_on", "status", "created_at")
    list_filter = ("status", "method", "currency")
    search_fields = ("reference", "company__name")
    list_select_related = ("company",)


@admin.register(PromiseToPay)
class PromiseToPayAdmin(ReadOnlyAdmin):
    list_display = ("pk", "invoice", "date", "amount", "currency", "user", "created_at")
    list_select_related = ("invoice", "user")


admin.site.register(RemittanceLine, ReadOnlyAdmin)
