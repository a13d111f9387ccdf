from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "invoice_portal.payments"
    label = "payments"
