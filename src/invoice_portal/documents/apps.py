from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "invoice_portal.documents"
    label = "documents"
