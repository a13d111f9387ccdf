from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "invoice_portal.core"
    label = "core"
