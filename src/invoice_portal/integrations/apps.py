from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "invoice_portal.integrations"
    label = "integrations"
    verbose_name = "Integrations"
