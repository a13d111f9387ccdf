from __future__ import annotations

from django.contrib import admin

from invoice_portal.companies.models import Company
from invoice_portal.core.admin import ReadOnlyAdmin


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ("name", "external_id", "is_customer", "is_supplier", "parent", "currency", "payment_terms_days")
    search_fields = ("name", "external_id")
