from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "invoice_portal.api"
    label = "api"
