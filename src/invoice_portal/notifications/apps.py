from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "invoice_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"
