from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set and its ``load-demo`` command; it sits above every app (it drives them all through their services)."""

    name = "invoice_portal.demo"
    label = "demo"
    verbose_name = "Demo data"
