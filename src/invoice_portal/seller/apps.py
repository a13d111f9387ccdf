from django.apps import AppConfig


class SellerConfig(AppConfig):
    name = "invoice_portal.seller"
    label = "seller"
