from __future__ import annotations

from django.urls import path

from invoice_portal.integrations.stripe import views

urlpatterns = [path("webhook/", views.webhook, name="stripe-webhook")]
