from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "invoice_portal.audit"
    label = "audit"
