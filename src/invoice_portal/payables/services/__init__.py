"""Every write of accounts payable: purchase orders, receipts, received invoices, retrofit, attachments."""

from invoice_portal.payables.services.attachments import received_attachment_add
from invoice_portal.payables.services.purchase_orders import purchase_order_close, purchase_order_create, purchase_order_upsert
from invoice_portal.payables.services.receipts import OverReceipt, receipt_record
from invoice_portal.payables.services.received import (
    DuplicateSupplierNumber,
    received_invoice_cancel,
    received_invoice_create,
    received_invoice_route,
    received_invoice_submit,
)
from invoice_portal.payables.services.retrofit import retrofit_invoice_create, retrofit_order_accept, retrofit_order_reject

__all__ = [
    "DuplicateSupplierNumber",
    "OverReceipt",
    "purchase_order_close",
    "purchase_order_create",
    "purchase_order_upsert",
    "receipt_record",
    "received_attachment_add",
    "received_invoice_cancel",
    "received_invoice_create",
    "received_invoice_route",
    "received_invoice_submit",
    "retrofit_invoice_create",
    "retrofit_order_accept",
    "retrofit_order_reject",
]
