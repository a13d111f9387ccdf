from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "invoice_portal.documents"
    label = "documents"

    def ready(self) -> None:
        # Invoice Responses to suppliers follow the AP status of what we received (``einvoice.ap_responses``).
        from invoice_portal.audit.services import audit_listen
        from invoice_portal.documents.einvoice.ap_responses import on_audit

        audit_listen(on_audit)
