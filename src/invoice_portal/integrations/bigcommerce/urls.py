from __future__ import annotations

from django.urls import path

from invoice_portal.integrations.bigcommerce import login, views

urlpatterns = [
    path("<int:connection_id>/webhook/", views.webhook, name="bigcommerce-webhook"),
    path("<int:connection_id>/login/", login.storefront_login, name="bigcommerce-login"),
]
