from django.apps import AppConfig


class PayablesConfig(AppConfig):
    name = "invoice_portal.payables"
    label = "payables"
    verbose_name = "Accounts payable"
