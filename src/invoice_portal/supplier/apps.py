from django.apps import AppConfig


class SupplierConfig(AppConfig):
    name = "invoice_portal.supplier"
    label = "supplier"
    verbose_name = "Supplier portal"
