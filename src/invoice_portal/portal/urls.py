from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from invoice_portal.portal.views import invoices, orders, pay, payments, remittance, statement, users

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", invoices.portal_home, name="home"),
    # Invoices
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/export.csv", invoices.invoice_export, name="invoices_export"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf", invoices.invoice_pdf_download, name="invoice_pdf"),
    path("invoices/<int:pk>/ubl", invoices.invoice_ubl_download, name="invoice_ubl"),
    path("invoices/<int:pk>/cii", invoices.invoice_cii_download, name="invoice_cii"),
    path("invoices/<int:pk>/facturx", invoices.invoice_einvoice_download, {"fmt": "facturx"}, name="invoice_facturx"),
    path("invoices/<int:pk>/xrechnung", invoices.invoice_einvoice_download, {"fmt": "xrechnung"}, name="invoice_xrechnung"),
    path("invoices/<int:pk>/download", invoices.invoice_einvoice_download, {"fmt": "preferred"}, name="invoice_download"),
    path("invoices/<int:pk>/dispute", invoices.invoice_dispute, name="invoice_dispute"),
    path("invoices/<int:pk>/promise", invoices.invoice_promise, name="invoice_promise"),
    # Orders
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    # Paying online
    path("pay/", pay.pay, name="pay"),
    path("pay/preview", pay.pay_preview, name="pay_preview"),
    path("pay/return/", pay.pay_return, name="pay_return"),
    path("pay/cancel", pay.pay_cancel, name="pay_cancel"),
    # Payments, statement, remittance advice
    path("payments/", payments.payment_list, name="payments"),
    path("statement/", statement.statement, name="statement"),
    path("statement/statement.csv", statement.statement_csv, name="statement_csv"),
    path("statement/statement.pdf", statement.statement_pdf, name="statement_pdf"),
    path("remittance/", remittance.remittance, name="remittance"),
    # The company's users
    path("users/", users.users, name="users"),
    path("users/<int:pk>/active", users.user_active, name="user_active"),
    path("users/<int:pk>/invite", users.user_reinvite, name="user_reinvite"),
    path("users/<int:pk>/role", users.user_role, name="user_role"),
    path("users/<int:pk>/level", users.user_level, name="user_level"),
]
