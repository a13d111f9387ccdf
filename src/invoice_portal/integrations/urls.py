from __future__ import annotations

from django.urls import include, path

app_name = "integrations"

urlpatterns = [
    path("testgateway/", include("invoice_portal.integrations.testgateway.urls")),
    path("stripe/", include("invoice_portal.integrations.stripe.urls")),
    path("bigcommerce/", include("invoice_portal.integrations.bigcommerce.urls")),
]
