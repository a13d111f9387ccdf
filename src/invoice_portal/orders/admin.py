from __future__ import annotations

from django.contrib import admin

from invoice_portal.core.admin import ReadOnlyAdmin
from invoice_portal.orders.models import Order


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "source", "company", "status", "total", "currency", "order_date", "flag_updated", "flag_canceled")
    list_filter = ("source", "direction", "flag_updated", "flag_canceled")
    search_fields = ("external_id", "company__name")
    list_select_related = ("company",)
