from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from invoice_portal.seller.views import (
    admin,
    customers,
    home,
    imports,
    invoice_actions,
    invoice_responses,
    invoices,
    orders,
    payments,
    promises,
    remittances,
    reports,
    store,
    wording,
)
from invoice_portal.seller.views import messages as email_log

app_name = "seller"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    # Orders
    path("orders/", orders.order_dashboard, name="orders"),
    path("orders/export.csv", orders.order_export, name="orders_export"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/invoice", orders.order_create_invoice, name="order_invoice"),
    path("orders/<int:pk>/acknowledge", orders.order_acknowledge, name="order_acknowledge"),
    # Invoices
    path("invoices/", invoices.invoice_dashboard, name="invoices"),
    path("invoices/export.csv", invoices.invoice_export, name="invoices_export"),
    path("invoices/bulk", invoice_actions.bulk_action, name="invoices_bulk"),
    path("invoices/new/", invoices.invoice_new, name="invoice_new"),
    path("invoices/new/preview", invoices.invoice_preview, name="invoice_new_preview"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/save", invoices.invoice_save, name="invoice_save"),
    path("invoices/<int:pk>/pdf", invoices.invoice_pdf_download, name="invoice_pdf"),
    path("invoices/<int:pk>/ubl", invoices.invoice_ubl_download, name="invoice_ubl"),
    path("invoices/<int:pk>/cii", invoices.invoice_cii_download, name="invoice_cii"),
    path("invoices/<int:pk>/facturx", invoices.invoice_einvoice_download, {"fmt": "facturx"}, name="invoice_facturx"),
    path("invoices/<int:pk>/xrechnung", invoices.invoice_einvoice_download, {"fmt": "xrechnung"}, name="invoice_xrechnung"),
    path("invoices/<int:pk>/original", invoices.invoice_original_download, name="invoice_original"),
    path("invoices/<int:pk>/preview", invoices.invoice_preview, name="invoice_preview"),
    path("invoices/<int:pk>/issue", invoice_actions.issue, name="invoice_issue"),
    path("invoices/<int:pk>/cancel", invoice_actions.cancel, name="invoice_cancel"),
    path("invoices/<int:pk>/send", invoice_actions.send, name="invoice_send"),
    path("invoices/<int:pk>/remind", invoice_actions.remind, name="invoice_remind"),
    path("invoices/<int:pk>/hold", invoice_actions.hold, name="invoice_hold"),
    path("invoices/<int:pk>/line-status", invoice_actions.line_status, name="invoice_line_status"),
    path("invoices/<int:pk>/responses", invoice_responses.response_upload, name="invoice_response_upload"),
    path("invoices/<int:pk>/delete", invoice_actions.delete, name="invoice_delete"),
    path("invoices/<int:pk>/credit-note", invoice_actions.credit_note, name="invoice_credit_note"),
    path("invoices/<int:pk>/debit-note", invoice_actions.debit_note, name="invoice_debit_note"),
    path("invoices/<int:pk>/disputes/<int:dispute_pk>/reject", invoice_actions.dispute_reject_view, name="dispute_reject"),
    path("invoices/<int:pk>/disputes/<int:dispute_pk>/credit", invoice_actions.dispute_credit_view, name="dispute_credit"),
    # Payments
    path("payments/", payments.payment_dashboard, name="payments"),
    path("payments/export.csv", payments.payment_export, name="payments_export"),
    path("payments/new/", payments.payment_new, name="payment_new"),
    path("payments/<int:pk>/", payments.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/refund", payments.payment_refund_view, name="payment_refund"),
    path("payments/<int:pk>/reverse", payments.payment_reverse_view, name="payment_reverse"),
    path("payments/<int:pk>/allocate", payments.payment_allocate_view, name="payment_allocate"),
    # Remittance advice from buyers
    path("imports/", imports.import_upload, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit", imports.import_commit, name="import_commit"),
    path("promises/", promises.promise_list, name="promises"),
    path("promises/export.csv", promises.promise_export, name="promise_export"),
    path("remittances/", remittances.remittance_list, name="remittances"),
    path("remittances/<int:pk>/", remittances.remittance_detail, name="remittance_detail"),
    path("remittances/<int:pk>/confirm", remittances.remittance_confirm_view, name="remittance_confirm"),
    path("remittances/<int:pk>/reject", remittances.remittance_reject_view, name="remittance_reject"),
    # The email log
    path("emails/", email_log.message_log, name="messages"),
    path("emails/<int:pk>/retry", email_log.message_retry_view, name="message_retry"),
    # Customers and reports
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/einvoicing", customers.customer_einvoicing, name="customer_einvoicing"),
    path("customers/<int:pk>/statement.pdf", customers.customer_statement_pdf, name="customer_statement_pdf"),
    path("customers/<int:pk>/statement.csv", customers.customer_statement_csv, name="customer_statement_csv"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<slug:name>.csv", reports.report_export, name="report_export"),
    # Administration
    path("users/", admin.users, name="users"),
    path("users/<int:pk>/active", admin.user_active, name="user_active"),
    path("users/<int:pk>/role", admin.user_role, name="user_role"),
    path("roles/", admin.roles, name="roles"),
    path("roles/<int:pk>/", admin.role_detail, name="role_detail"),
    path("settings/", admin.settings_view, name="settings"),
    path("settings/logo", admin.settings_logo, name="settings_logo"),
    path("settings/wording/", wording.wording_settings, name="settings_wording"),
    # The store connection
    path("store/", store.store_connections, name="store"),
    path("store/<int:pk>/sync", store.store_sync_now, name="store_sync"),
    path("store/<int:pk>/pause", store.store_pause, name="store_pause"),
]
