from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "invoice_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from invoice_portal.core.followups import followup_register
        from invoice_portal.notifications.services import messages_deliver_new

        followup_register(messages_deliver_new)
