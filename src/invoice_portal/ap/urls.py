from __future__ import annotations

from django.urls import URLPattern, path

from invoice_portal.ap.views import inbox, intake, orders

app_name = "ap"

urlpatterns: list[URLPattern] = [
    path("", inbox.inbox, name="ap_inbox"),
    path("export.csv", inbox.inbox_export, name="ap_inbox_export"),
    path("invoices/<int:pk>/", inbox.invoice_detail, name="ap_invoice_detail"),
    path("invoices/<int:pk>/cancel", inbox.invoice_cancel, name="ap_invoice_cancel"),
    path("invoices/<int:pk>/attachments/<int:attachment_pk>", inbox.attachment_download, name="ap_attachment"),
    path("orders/", orders.order_list, name="ap_orders"),
    path("orders/<int:pk>/", orders.order_detail, name="ap_order_detail"),
    path("orders/<int:pk>/receive", orders.order_receive, name="ap_order_receive"),
    path("orders/<int:pk>/invoice", orders.order_invoice, name="ap_order_invoice"),
    path("retrofit/", orders.retrofit_new, name="ap_retrofit_new"),
    path("einvoices/", intake.intake_list, name="ap_intake"),
    path("einvoices/<int:pk>/link", intake.intake_link, name="ap_intake_link"),
    path("acceptance/", orders.acceptance, name="ap_acceptance"),
    path("acceptance/<int:pk>/accept", orders.acceptance_accept, name="ap_acceptance_accept"),
    path("acceptance/<int:pk>/reject", orders.acceptance_reject, name="ap_acceptance_reject"),
]
