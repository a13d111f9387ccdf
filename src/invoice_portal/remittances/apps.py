from django.apps import AppConfig


class RemittancesConfig(AppConfig):
    """What the buyer says about paying: promises to pay and remittance advice, used by the portal and the seller app."""

    name = "invoice_portal.remittances"
    label = "remittances"
    verbose_name = "Remittances and promises to pay"
