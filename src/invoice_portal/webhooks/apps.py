from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "invoice_portal.webhooks"
    label = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self) -> None:
        # Every business event gets its delivery rows in the transaction that wrote it (the outbox).
        from invoice_portal.events.services import event_subscribe
        from invoice_portal.webhooks.services.deliveries import deliveries_create

        event_subscribe(deliveries_create)
