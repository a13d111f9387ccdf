from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "invoice_portal.orders"
    label = "orders"
