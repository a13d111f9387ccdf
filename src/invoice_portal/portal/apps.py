from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The buyer portal: what the seller's customers see and do under ``/portal/``."""

    name = "invoice_portal.portal"
    label = "portal"
    verbose_name = "Buyer portal"
