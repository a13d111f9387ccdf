from __future__ import annotations

from django.contrib import admin

from invoice_portal.core.admin import ReadOnlyAdmin
from invoice_portal.payments.models import Allocation, Payment, Refund


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "company", "amount", "currency", "method", "reference", "status", "received_on")
    list_filter = ("status", "method", "currency")
    search_fields = ("reference", "company__name")
    list_select_related = ("company",)


admin.site.register(Allocation, ReadOnlyAdmin)
admin.site.register(Refund, ReadOnlyAdmin)
