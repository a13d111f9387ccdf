from __future__ import annotations

from django.urls import URLPattern, path

from invoice_portal.supplier import views, views_payments, views_pdf, views_responses, views_retrofit

app_name = "supplier"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/invoice", views.order_flip, name="order_flip"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/upload", views.einvoice_upload, name="invoice_upload"),
    path("invoices/without-po", views_retrofit.invoice_without_po, name="invoice_without_po"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/credit", views.invoice_credit, name="invoice_credit"),
    path("invoices/<int:pk>/cancel", views.invoice_cancel, name="invoice_cancel"),
    path("invoices/<int:pk>/pdf", views_pdf.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/attachments/<int:attachment_pk>", views.attachment_download, name="attachment"),
    path("invoices/<int:pk>/responses/<int:response_pk>.xml", views_responses.response_download, name="response"),
    path("users/", views.users, name="users"),
    path("payments/", views_payments.payments, name="payments"),
]
