from __future__ import annotations

from django.urls import URLPattern, path

from invoice_portal.ap.views import (
    ap_settings,
    inbox,
    intake,
    invoice_pdf,
    matching,
    orders,
    payments,
    purchase_orders,
    responses,
    runs,
)

app_name = "ap"

urlpatterns: list[URLPattern] = [
    path("", inbox.inbox, name="ap_inbox"),
    path("export.csv", inbox.inbox_export, name="ap_inbox_export"),
    path("invoices/<int:pk>/", inbox.invoice_detail, name="ap_invoice_detail"),
    path("invoices/<int:pk>/cancel", inbox.invoice_cancel, name="ap_invoice_cancel"),
    path("invoices/<int:pk>/pdf", invoice_pdf.invoice_pdf, name="ap_invoice_pdf"),
    path("invoices/<int:pk>/attachments/<int:attachment_pk>", inbox.attachment_download, name="ap_attachment"),
    path("invoices/<int:pk>/responses/<int:response_pk>.xml", responses.response_download, name="ap_response"),
    path("orders/", orders.order_list, name="ap_orders"),
    path("orders/<int:pk>/", orders.order_detail, name="ap_order_detail"),
    # Keyed by hand, closed, canceled (ap/views/purchase_orders.py).
    path("orders/new", purchase_orders.order_new, name="ap_order_new"),
    path("orders/<int:pk>/close", purchase_orders.order_close, name="ap_order_close"),
    path("orders/<int:pk>/cancel", purchase_orders.order_cancel, name="ap_order_cancel"),
    path("orders/<int:pk>/receive", orders.order_receive, name="ap_order_receive"),
    path("orders/<int:pk>/invoice", orders.order_invoice, name="ap_order_invoice"),
    path("retrofit/", orders.retrofit_new, name="ap_retrofit_new"),
    path("einvoices/", intake.intake_list, name="ap_intake"),
    path("einvoices/<int:pk>/link", intake.intake_link, name="ap_intake_link"),
    path("acceptance/", orders.acceptance, name="ap_acceptance"),
    path("acceptance/<int:pk>/accept", orders.acceptance_accept, name="ap_acceptance_accept"),
    path("acceptance/<int:pk>/reject", orders.acceptance_reject, name="ap_acceptance_reject"),
    path("holds/", matching.holds, name="ap_holds"),
    path("approvals/", matching.approvals, name="ap_approvals"),
    path("invoices/<int:pk>/send-to-buyer", matching.invoice_send_to_buyer, name="ap_invoice_send_to_buyer"),
    path("invoices/<int:pk>/rematch", matching.invoice_rematch, name="ap_invoice_rematch"),
    path("invoices/<int:pk>/buyer-accept", matching.invoice_buyer_accept, name="ap_invoice_buyer_accept"),
    path("invoices/<int:pk>/approve", matching.invoice_approve, name="ap_invoice_approve"),
    path("invoices/<int:pk>/reject", matching.invoice_reject, name="ap_invoice_reject"),
    path("settings/tolerances", matching.tolerances, name="ap_tolerances"),
    path("settings/approvers", matching.approvers, name="ap_approvers"),
    path("settings/discounts", ap_settings.discounts, name="ap_discounts"),
    path("runs/", runs.runs, name="ap_runs"),
    path("runs/start", runs.run_start, name="ap_run_start"),
    path("runs/<int:pk>/<str:fmt>", runs.run_download, name="ap_run_download"),
    # Payments to suppliers (ap/views/payments.py).
    path("payments/", payments.payment_list, name="ap_payments"),
    path("payments/new", payments.payment_new, name="ap_payment_new"),
    path("payments/<int:pk>/", payments.payment_detail, name="ap_payment_detail"),
    path("payments/<int:pk>/allocate", payments.payment_allocate, name="ap_payment_allocate"),
]
