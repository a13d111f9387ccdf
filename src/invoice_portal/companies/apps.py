from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "invoice_portal.companies"
    label = "companies"
