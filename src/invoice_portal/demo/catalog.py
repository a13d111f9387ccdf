"""What the demo is made of: the customers, the people, the catalog, and the small records the simulation plans with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from invoice_portal.demo.payables import AP_DEMO_LOGINS
from invoice_portal.invoices.models import InvoiceLine, Source
from invoice_portal.orders.models import Order

DEMO_SEED = 20_261_125
ADMIN_EMAIL = "admin@demo.test"
HORIZON_DAYS = 200
D = Decimal


@dataclass(frozen=True)
class CompanySpec:
    key: str
    name: str
    external_id: str
    currency: str
    terms: int
    tax_id: str
    address: str  # "line 1 | line 2 | city | postal code | country"
    vat: Decimal  # the standard rate its lines carry
    fx: Decimal  # list price factor from USD
    share: int  # weight among orders and invoices
    methods: tuple[tuple[str, int], ...]  # how it likes to pay, weighted
    store_share: float = 0.6  # orders from the web store, the rest from the ERP
    parent: str = ""


CUSTOMERS: tuple[CompanySpec, ...] = (
    CompanySpec("acme", "ACME Corp", "C-10001", "USD", 30, "US 36-4421907", "1 Road Runner Way | 12th floor | Chicago | 60601 | US",
                D("10.25"), D(1), 22, (("check", 50), ("wire", 30), ("card", 15), ("other", 5))),
    CompanySpec("acme_west", "ACME West", "C-10002", "USD", 30, "US 91-2231876", "500 Pine Street | | Seattle | 98101 | US",
                D("10.35"), D(1), 10, (("card", 50), ("check", 30), ("cash", 20)), parent="acme"),
    CompanySpec("globex", "Globex", "C-20001", "EUR", 30, "DE811907634", "Friedrichstraße 68 | | Berlin | 10117 | DE",
                D(19), D("0.92"), 16, (("bank", 60), ("wire", 40))),
    CompanySpec("umbrella", "Umbrella Corporation", "C-30001", "GBP", 45, "GB293847561", "12 Raccoon Row | | London | EC1A 1BB | GB",
                D(20), D("0.79"), 14, (("wire", 70), ("bank", 30)), store_share=0.3),
    CompanySpec("stark", "Stark Industries", "C-10003", "USD", 60, "US 95-3378120", "10880 Malibu Point | | Malibu | 90265 | US",
                D("9.75"), D(1), 14, (("card", 60), ("wire", 40))),
    CompanySpec("wayne", "Wayne Enterprises", "C-10004", "USD", 15, "US 04-5512349", "1007 Mountain Drive | | Boston | 02108 | US",
                D("6.25"), D(1), 14, (("check", 60), ("wire", 30), ("cash", 10))),
    CompanySpec("nakatomi", "Nakatomi Trading", "C-40001", "JPY", 30, "T1234567890123", "1-1 Marunouchi | | Tokyo | 100-0005 | JP",
                D(10), D(150), 8, (("wire", 90), ("other", 10)), store_share=0.2),
)  # fmt: skip
SPECS = {spec.key: spec for spec in CUSTOMERS}

STAFF = (
    (ADMIN_EMAIL, "Ada Lindqvist", "admin"),
    ("finance@demo.test", "Felix Moreau", "finance"),
    ("sales@demo.test", "Sofia Ramirez", "sales"),
    ("ap@demo.test", "Paul Okafor", "ap_clerk"),
    ("approver@demo.test", "Grace Kim", "approver"),
)
COMPANY_USERS = (
    ("carol@acme.test", "Carol Castillo", "company_admin", "acme"),
    ("bob@acme.test", "Bob Brennan", "accounts_payable", "acme"),
    ("alice@acme.test", "Alice Archer", "buyer", "acme"),
    ("walt@acmewest.test", "Walt Westbrook", "buyer", "acme_west"),
    ("charlie@globex.test", "Charlie Cho", "buyer", "globex"),
    ("sam@initech.test", "Sam Sutherland", "supplier_user", "initech"),
)
# Who places a company's orders in the store (None: the company's shared store account).
PLACERS: dict[str, tuple[tuple[str | None, int], ...]] = {
    "acme": (("alice@acme.test", 75), ("carol@acme.test", 10), (None, 15)),
    "acme_west": (("walt@acmewest.test", 85), (None, 15)),
    "globex": (("charlie@globex.test", 85), (None, 15)),
}
DEMO_LOGINS = tuple(email for email, *_ in STAFF) + tuple(email for email, *_ in COMPANY_USERS) + AP_DEMO_LOGINS

# sku, description, USD list price, zero-rated
CATALOG: tuple[tuple[str, str, str, bool], ...] = (
    ("HX-220", "HX-220 hydraulic pump", "1249.00", False),
    ("FK-500", "Stainless fastener kit, 500 pcs", "89.50", False),
    ("GL-100", "Nitrile safety gloves, box of 100", "24.90", False),
    ("PW-18", "Pallet stretch wrap, 18 in × 1500 ft", "32.75", False),
    ("LED-150", "LED high-bay fixture, 150 W", "189.00", False),
    ("CB-10", "Conveyor belt, 10 m", "615.00", False),
    ("RB-12", "Thermal label ribbons, pack of 12", "58.20", False),
    ("SH-72", "Industrial shelving unit, 72 in", "349.00", False),
    ("TM-01", "Printed technical manual", "45.00", True),
    ("BR-6204", "Deep-groove ball bearing 6204", "7.35", False),
    ("HC-3", "Hydraulic hose assembly, 3 m", "64.80", False),
    ("SG-1", "Safety goggles, anti-fog", "12.40", False),
)
SHIPPING = ("18.50", "24.00", "35.00", "49.90", "85.00", "120.00")
CANCEL_REASONS = ("Duplicate of another invoice", "Customer canceled the order", "Billed to the wrong entity")
INVOICE_SOURCES = ((Source.MANUAL, 30), (Source.ERP, 35), (Source.API, 20), (Source.CSV, 15))


@dataclass
class OrderPlan:
    key: str
    source: str
    placed_on: dt.date
    ship_on: dt.date | None  # None: canceled by the source before it shipped
    lines: list[dict[str, Any]]
    placed_by: str | None
    po_number: str
    erp_invoice: bool  # the ERP pushes the invoice instead of a user creating it from the order
    external_id: str = ""
    after: str = ""  # "update" or "cancel" after it was invoiced: raises the order's flag
    after_on: dt.date | None = None
    order: Order | None = None


@dataclass(frozen=True)
class PayEvent:
    invoice_id: int
    payer: str
    amount: Decimal | None  # None: whatever is still due that day


# Documents the scenes add: two credit notes for disputes, one for the return, the goodwill one, the canceled one.
SCENE_DOCUMENTS = 5


def standard_line(description: str, price: Decimal, spec: CompanySpec, *, quantity: object = 1, **extra: Any) -> dict[str, Any]:
    """A line taxed at the customer's standard rate."""
    return {"description": description, "quantity": quantity, "unit_price": price, "tax_category": "S", "tax_rate": spec.vat, **extra}


def line_dict(line: InvoiceLine) -> dict[str, Any]:
    return {
        "kind": line.kind, "sku": line.sku, "description": line.description, "quantity": line.quantity, "unit_code": line.unit_code,
        "unit_price": line.unit_price, "discount": line.discount, "tax_category": line.tax_category, "tax_rate": line.tax_rate,
        "order_line_id": line.order_line_id,
    }  # fmt: skip
