from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "invoice_portal.events"
    label = "events"
    verbose_name = "Business events"

    def ready(self) -> None:
        # The audit trail is the one place every transition passes; it knows nothing of events and only
        # calls the listeners registered here (see ``events.mapping``).
        from invoice_portal.audit.services import audit_listen
        from invoice_portal.core.followups import followup_register
        from invoice_portal.events.mapping import on_audit
        from invoice_portal.events.services import events_stamp_all

        audit_listen(on_audit)
        followup_register(events_stamp_all)  # first: a transaction's events are stamped before its emails go
