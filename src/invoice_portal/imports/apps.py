from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "invoice_portal.imports"
    label = "imports"
    verbose_name = "Imports and exports"
