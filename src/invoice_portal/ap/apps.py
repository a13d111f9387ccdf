from django.apps import AppConfig


class ApConfig(AppConfig):
    name = "invoice_portal.ap"
    label = "ap"
    verbose_name = "Accounts payable pages"
