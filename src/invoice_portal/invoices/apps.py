from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoice_portal.invoices"
    label = "invoices"
