from __future__ import annotations

from django.urls import path

from invoice_portal.integrations.testgateway import views

urlpatterns = [
    path("checkout/<str:session_id>/", views.checkout_page, name="testgateway-checkout"),
    path("webhook/", views.webhook, name="testgateway-webhook"),
]
