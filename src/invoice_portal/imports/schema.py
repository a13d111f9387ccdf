"""The column schema of each import kind: one definition read by the parser, the API docs and a test
that keeps ``docs/imports.md`` complete.

A batch is a table. A *document* column (the invoice's company, the payment's amount…) belongs to
the document and may repeat on each of its rows or be left empty after the first; a *line* column
belongs to the row (one invoice line, one order line, one payment allocation).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from invoice_portal.companies.models import EInvoiceFormat
from invoice_portal.imports.models import ImportKind
from invoice_portal.invoices.models import Kind, LineKind, TaxCategory
from invoice_portal.orders.models import Direction as OrderDirection
from invoice_portal.payments.models import Method


class Level(StrEnum):
    DOCUMENT = "document"
    LINE = "line"


@dataclass(frozen=True)
class Column:
    name: str
    level: Level
    type: str  # text, date, decimal, money, choice, currency, email
    description: str
    example: str = ""
    required: bool = False
    default: str = ""
    choices: tuple[str, ...] = ()
    max_length: int | None = None


D, L = Level.DOCUMENT, Level.LINE
_TAX_CATEGORIES = tuple(TaxCategory.values)

INVOICE_COLUMNS: tuple[Column, ...] = (
    Column("external_id", D, "text", "The ERP's id of the document. With `source`, the key the import upserts by; "
           "consecutive rows with the same value are the lines of one document.", "ERP-2026-0042", required=True, max_length=100),
    Column("source", D, "choice", "Where the document comes from.", "erp", default="erp", choices=("erp", "csv")),
    Column("company_external_id", D, "text", "The customer's external company id (`Company.external_id`); it must exist.",
           "ACME", required=True, max_length=100),
    Column("kind", D, "choice", "Document kind. Credit notes are imported standalone (their credit stays on the account).",
           "invoice", default="invoice", choices=tuple(Kind.values)),
    Column("status", D, "choice", "`open` issues the document (our gapless number, sealed); `draft` leaves it unissued. "
           "An existing document is never taken back to draft.", "open", default="open", choices=("draft", "open")),
    Column("currency", D, "currency", "ISO 4217 code.", "USD", default="the company's currency"),
    Column("issue_date", D, "date", "YYYY-MM-DD.", "2026-11-02", default="the day it is issued"),
    Column("due_date", D, "date", "YYYY-MM-DD, not before the issue date.", "2026-12-02", default="issue date + the company's terms"),
    Column("service_start", D, "date", "Start of the service period.", "2026-10-01"),
    Column("service_end", D, "date", "End of the service period.", "2026-10-31"),
    Column("po_number", D, "text", "The customer's purchase order number.", "PO-7781", default="the linked order's", max_length=100),
    Column("notes", D, "text", "Free text printed on the document.", "Thank you for your business"),
    Column("payment_instructions", D, "text", "Printed on the document.", "IBAN DE02 1203 0000 0000 2020 51"),
    Column("discount", D, "money", "Document-level discount (net allowance) in the currency's minor units.", "10.00", default="0"),
    Column("discount_tax_category", D, "choice", "VAT category the discount reduces; needed when the lines carry several rates.",
           "S", choices=_TAX_CATEGORIES),
    Column("discount_tax_rate", D, "decimal", "VAT rate (percent) of the discount.", "20"),
    Column("store_order_id", D, "text", "The web store's order id: links the document to the order synced from the store "
           "(source `bigcommerce`). The order must exist and belong to the same company.", "100245", max_length=100),
    Column("erp_order_id", D, "text", "Links the document to an order imported from the ERP (source `erp`).", "SO-5512",
           max_length=100),
    Column("line_kind", L, "choice", "`item` or `cost` (shipping, handling, fees).", "item", default="item",
           choices=tuple(LineKind.values)),
    Column("sku", L, "text", "Article number.", "WID-1", max_length=100),
    Column("description", L, "text", "What the line bills.", "Widget, blue", required=True, max_length=500),
    Column("quantity", L, "decimal", "Above zero, at most 4 decimals.", "3", default="1"),
    Column("unit_code", L, "text", "UN/ECE Rec 20 unit.", "C62", default="C62", max_length=3),
    Column("unit_price", L, "decimal", "Net price per unit, at most 4 decimals, not negative.", "19.99", required=True),
    Column("line_discount", L, "money", "Discount on this line (net), not above its amount.", "5.00", default="0"),
    Column("tax_category", L, "choice", "UNCL5305 VAT category.", "S", default="S, or Z when the rate is 0", choices=_TAX_CATEGORIES),
    Column("tax_rate", L, "decimal", "VAT rate in percent (0–100, at most 3 decimals).", "20", default="0"),
)  # fmt: skip

ORDER_COLUMNS: tuple[Column, ...] = (
    Column("external_id", D, "text", "The ERP's order id; with `source`, the key the import upserts by. Consecutive rows "
           "with the same value are the lines of one order.", "SO-5512", required=True, max_length=100),
    Column("source", D, "choice", "Where the order comes from.", "erp", default="erp", choices=("erp", "csv")),
    Column("company_external_id", D, "text", "The customer's external company id; it must exist.", "ACME", required=True, max_length=100),
    Column("direction", D, "choice", "Sales order or purchase order.", "sales", default="sales", choices=tuple(OrderDirection.values)),
    Column("status", D, "text", "The order status as the ERP names it (mirrored, not interpreted).", "shipped",
           default="pending (kept on update)", max_length=50),
    Column("currency", D, "currency", "ISO 4217 code.", "USD", default="the company's currency"),
    Column("order_date", D, "date", "YYYY-MM-DD.", "2026-10-28", default="today (kept on update)"),
    Column("po_number", D, "text", "The customer's purchase order number.", "PO-7781", max_length=100),
    Column("placed_by_email", D, "email", "E-mail of the portal user who placed the order (a user of the same company); "
           "buyers see the invoices of the orders they placed.", "alice@acme.test"),
    Column("sku", L, "text", "Article number.", "WID-1", max_length=100),
    Column("description", L, "text", "What was ordered.", "Widget, blue", required=True, max_length=500),
    Column("quantity", L, "decimal", "Above zero, at most 4 decimals.", "3", default="1"),
    Column("unit_price", L, "decimal", "Net price per unit, at most 4 decimals.", "19.99", required=True),
    Column("tax_category", L, "choice", "UNCL5305 VAT category.", "S", default="S, or Z when the rate is 0", choices=_TAX_CATEGORIES),
    Column("tax_rate", L, "decimal", "VAT rate in percent.", "20", default="0"),
)  # fmt: skip

PAYMENT_COLUMNS: tuple[Column, ...] = (
    Column("external_id", D, "text", "The ERP's payment id, the key the import upserts by. Consecutive rows with the same "
           "value are the allocations of one payment.", "PAY-88120", required=True, max_length=100),
    Column("company_external_id", D, "text", "The paying company's external id; it must exist.", "ACME", required=True, max_length=100),
    Column("amount", D, "money", "Amount received, above zero, in the currency's minor units.", "1180.00", required=True),
    Column("currency", D, "currency", "ISO 4217 code.", "USD", default="the company's currency"),
    Column("method", D, "choice", "How the money came.", "wire", required=True, choices=tuple(Method.values)),
    Column("reference", D, "text", "Check number or memo; shown to the buyer.", "CHK 004512", max_length=200),
    Column("received_on", D, "date", "YYYY-MM-DD.", "2026-11-20", default="today"),
    Column("notes", D, "text", "Internal note.", "Lockbox batch 17"),
    Column("invoice_external_id", L, "text", "Allocation: the ERP id of the invoice this row pays (with `invoice_source`).",
           "ERP-2026-0042", max_length=100),
    Column("invoice_source", L, "choice", "Source of `invoice_external_id`.", "erp", default="erp", choices=("erp", "csv")),
    Column("invoice_number", L, "text", "Allocation: the portal's invoice number, instead of `invoice_external_id`.",
           "INV-2026-000123", max_length=50),
    Column("allocation_amount", L, "money", "Allocation: how much of the payment goes to that invoice; at most its balance.",
           "1180.00"),
)  # fmt: skip

PURCHASE_ORDER_COLUMNS: tuple[Column, ...] = (
    Column("external_id", D, "text", "The ERP's purchase order id; with `source`, the key the import upserts by. Consecutive "
           "rows with the same value are the lines of one order.", "PO-2026-0101", required=True, max_length=100),
    Column("source", D, "choice", "Where the order comes from.", "erp", default="erp", choices=("erp", "csv")),
    Column("supplier_external_id", D, "text", "The supplier's external company id; it must exist and be a supplier.", "NORTHWIND",
           required=True, max_length=100),
    Column("po_number", D, "text", "The PO number the supplier quotes on its invoice.", "4500012345", default="external_id",
           max_length=100),
    Column("requester_email", D, "email", "E-mail of the staff member who asked for it (accepts retrofit orders).",
           "approver@demo.test"),
    Column("currency", D, "currency", "ISO 4217 code.", "USD", default="the supplier's currency"),
    Column("order_date", D, "date", "YYYY-MM-DD.", "2026-11-02", default="today (kept on update)"),
    Column("no_invoice_expected", D, "choice", "`true` for a non-invoice order (paid by card, say): invoices on it are "
           "recorded and marked, never paid.", "false", default="false", choices=("true", "false")),
    Column("sku", L, "text", "Article number.", "PAP-A4", max_length=100),
    Column("description", L, "text", "What was ordered.", "Copy paper A4", required=True, max_length=500),
    Column("quantity", L, "decimal", "Above zero, at most 4 decimals.", "10", default="1"),
    Column("unit_code", L, "text", "UN/ECE Rec 20/21 unit as EN 16931 takes it (C62 one, H87 piece, XPK package).", "XPK",
           default="C62", max_length=3),
    Column("unit_price", L, "decimal", "Net price per unit, at most 4 decimals.", "4.50", required=True),
    Column("tax_category", L, "choice", "UNCL5305 VAT category.", "S", default="S, or Z when the rate is 0", choices=_TAX_CATEGORIES),
    Column("tax_rate", L, "decimal", "VAT rate in percent.", "20", default="0"),
)  # fmt: skip

COMPANY_COLUMNS: tuple[Column, ...] = (
    Column("external_id", D, "text", "The ERP's company id, the key the import upserts by (one row per company).", "ACME",
           required=True, max_length=100),
    Column("name", D, "text", "The company's legal name.", "ACME Corp", default="required for a new company", max_length=200),
    Column("is_customer", D, "choice", "A customer we bill.", "true", default="true (kept on update)", choices=("true", "false")),
    Column("is_supplier", D, "choice", "A supplier who bills us.", "false", default="false (kept on update)",
           choices=("true", "false")),
    Column("tax_id", D, "text", "VAT id with its country prefix (`DE811907634`), or another tax number (a US EIN).",
           "DE811907634", max_length=50),
    Column("currency", D, "currency", "ISO 4217 code of its documents.", "EUR", default="USD (kept on update)"),
    Column("payment_terms_days", D, "text", "Days from issue to due date, 0 to 3650.", "30", default="30 (kept on update)"),
    Column("email", D, "email", "Where documents are sent.", "ap@acme.test", max_length=254),
    Column("phone", D, "text", "Phone number.", "+49 30 1234567", max_length=50),
    Column("address_line1", D, "text", "Street and number.", "Friedrichstraße 68", max_length=200),
    Column("address_line2", D, "text", "Further address line.", "3rd floor", max_length=200),
    Column("city", D, "text", "City.", "Berlin", max_length=100),
    Column("postal_code", D, "text", "Postal code.", "10117", max_length=20),
    Column("country", D, "text", "ISO 3166-1 alpha-2 code.", "DE", max_length=2),
    Column("peppol_scheme", D, "text", "EAS scheme of the Peppol participant id (0088 GLN, 0208, 0192, 9930…); with `peppol_id`.",
           "9930", max_length=4),
    Column("peppol_id", D, "text", "The Peppol participant id under that scheme, checked against the EAS list and the scheme's "
           "format and check digits.", "DE811907634", max_length=100),
    Column("einvoice_format", D, "choice", "The format its documents are emailed and downloaded in; `peppol_ubl` and `xrechnung` "
           "need a Peppol id.", "peppol_ubl", default="pdf (kept on update)", choices=tuple(EInvoiceFormat.values)),
    Column("leitweg_id", D, "text", "Leitweg-ID of a German public customer (the buyer reference of its e-invoices; format and "
           "mod 97-10 check digits checked).", "04011000-1234512345-06", max_length=46),
)  # fmt: skip

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.INVOICES: INVOICE_COLUMNS,
    ImportKind.ORDERS: ORDER_COLUMNS,
    ImportKind.PAYMENTS: PAYMENT_COLUMNS,
    ImportKind.PURCHASE_ORDERS: PURCHASE_ORDER_COLUMNS,
    ImportKind.COMPANIES: COMPANY_COLUMNS,
}


def columns_by_name(kind: str) -> dict[str, Column]:
    return {c.name: c for c in COLUMNS[kind]}
