from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "invoice_portal.accounts"
    label = "accounts"
