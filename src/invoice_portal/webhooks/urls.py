from __future__ import annotations

from django.urls import path

from invoice_portal.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="endpoint_detail"),
    path("<int:endpoint_id>/rotate-secret/", views.endpoint_rotate_secret, name="endpoint_rotate_secret"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("<int:endpoint_id>/deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery_detail"),
    path("<int:endpoint_id>/deliveries/<int:delivery_id>/retry/", views.delivery_action, {"action": "retry"}, name="delivery_retry"),
    path("<int:endpoint_id>/deliveries/<int:delivery_id>/replay/", views.delivery_action, {"action": "replay"}, name="delivery_replay"),
]
