"""The demo data set behind ``invoice-portal load-demo``.

Half a year of trading, simulated day by day through the domain services only: orders
arrive from the store and the ERP, ship and are invoiced; the ERP, the API, CSV imports
and staff add invoices of their own; customers pay late, in part, by check or card,
sometimes too much; finance issues credit and debit notes. Every total, balance,
allocation, audit event and seal is therefore what the product itself writes, and
``check-books`` holds on the result. A few named scenes at the end guarantee what docs and
tests point at: one check spread over several invoices, a bounced check, refunds, credit
left on account, disputes open, rejected and resolved by credit.

Deterministic: one seeded ``random.Random`` and dates relative to today, so a run today
and a run next month tell the same story, shifted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.services import user_create, user_set_staff
from invoice_portal.audit.context import origin
from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_create
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Dispute, Invoice, InvoiceLine, Kind, Source, Status
from invoice_portal.invoices.selectors import open_disputes, overdue
from invoice_portal.invoices.services import (
    credit_note_create,
    debit_note_create,
    dispute_open,
    dispute_reject,
    dispute_resolve_by_credit,
    invoice_cancel,
    invoice_create,
    invoice_create_from_order,
    invoice_delete,
    invoice_hold,
    invoice_issue,
    invoice_update,
)
from invoice_portal.notifications.models import NotificationSettings
from invoice_portal.notifications.services import reminders_run
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_acknowledge_flags, order_cancel, order_upsert
from invoice_portal.payables.demo import AP_DEMO_LOGINS, build_ap_demo
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Method, Payment, PaymentStatus, Refund
from invoice_portal.payments.services import (
    credit_note_apply,
    payment_allocate,
    payment_record,
    payment_refund,
    payment_resolve_pending,
    payment_reverse,
)
from invoice_portal.seller.services import portal_settings_update

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
class _OrderPlan:
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
class _PayEvent:
    invoice_id: int
    payer: str
    amount: Decimal | None  # None: whatever is still due that day


class _Demo:
    def __init__(self, *, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.companies: dict[str, Company] = {}
        self.key_of: dict[int, str] = {}
        self.users: dict[str, User] = {}
        self.payments: defaultdict[dt.date, list[_PayEvent]] = defaultdict(list)
        self.cancels: defaultdict[dt.date, list[int]] = defaultdict(list)
        self.counters: Counter[str] = Counter()
        self.reserved: set[int] = set()

    # --- helpers --------------------------------------------------------------------------------------

    def day(self, offset: int) -> dt.date:
        return self.today - dt.timedelta(days=offset)

    def next(self, key: str, start: int = 1) -> int:
        self.counters[key] += 1
        return start + self.counters[key] - 1

    def pick[T](self, weighted: tuple[tuple[T, int], ...]) -> T:
        return self.rng.choices([item for item, _ in weighted], [w for _, w in weighted])[0]

    def pick_customer(self) -> str:
        return self.pick(tuple((s.key, s.share) for s in CUSTOMERS))

    def price(self, spec: CompanySpec, usd: str) -> Decimal:
        return quantize(D(usd) * spec.fx, spec.currency)

    def product_line(self, spec: CompanySpec, item: tuple[str, str, str, bool]) -> dict[str, Any]:
        sku, description, usd, zero_rated = item
        price = self.price(spec, usd)
        if D(usd) < 50:
            qty = self.rng.choice((5, 10, 12, 20, 25, 50, 100))
        elif D(usd) < 300:
            qty = self.rng.randint(1, 12)
        else:
            qty = self.rng.randint(1, 4)
        category, rate = ("Z", ZERO) if zero_rated else ("S", spec.vat)
        return {"sku": sku, "description": description, "quantity": D(qty), "unit_price": price, "tax_category": category, "tax_rate": rate}

    def product_lines(self, spec: CompanySpec) -> list[dict[str, Any]]:
        return [self.product_line(spec, item) for item in self.rng.sample(CATALOG, self.rng.choice((1, 2, 2, 3, 3, 4)))]

    def cost_line(self, spec: CompanySpec, description: str = "Shipping and handling", usd: str | None = None) -> dict[str, Any]:
        price = self.price(spec, usd or self.rng.choice(SHIPPING))
        return {"kind": "cost", "description": description, "quantity": 1, "unit_price": price, "tax_category": "S", "tax_rate": spec.vat}

    def s_base_discount(self, spec: CompanySpec, lines: list[dict[str, Any]], percent: Decimal) -> Decimal:
        base = sum((quantize(D(ln["quantity"]) * D(ln["unit_price"]), spec.currency) for ln in lines if ln["tax_category"] == "S"), ZERO)
        return quantize(base * percent / 100, spec.currency)

    def spec(self, invoice: Invoice) -> CompanySpec:
        return SPECS[self.key_of[invoice.company_id]]

    def reference(self, payer: str, method: str, day: dt.date) -> str:
        if method == Method.CHECK:
            return f"Check #{self.next('check:' + payer, start={'acme': 104210, 'wayne': 5512}.get(payer, 2301))}"
        if method == Method.WIRE:
            return f"Wire FT{day:%y%m%d}{self.next('wire'):04d}"
        if method == Method.CASH:
            return f"Cash memo CM-{self.next('cash', start=41):04d}"
        if method == Method.OTHER:
            return f"PayPal 7PK{self.next('paypal', start=30117):05d}"
        if method == Method.CARD:
            return f"Visa •••• {(4242 + 1111 * list(SPECS).index(payer)) % 10000:04d}"
        return f"SEPA direct debit, mandate MNDT-{SPECS[payer].external_id}"

    def gateway_ref(self, prefix: str) -> str:
        return f"{prefix}_3Q{self.next(prefix, start=7_340_000):08X}{self.rng.getrandbits(32):08x}"

    # --- people and companies -------------------------------------------------------------------------

    def people(self) -> None:
        roles = {role.code: role for role in Role.objects.all()}
        for email, name, role in STAFF:
            self.users[email] = user_create(actor=None, email=email, full_name=name, role=roles[role], password=settings.DEMO_PASSWORD)
        admin = self.users[ADMIN_EMAIL]
        user_set_staff(actor=None, user=admin, staff=True)
        for spec in CUSTOMERS:
            line1, line2, city, postal, country = (part.strip() for part in spec.address.split("|"))
            company = company_create(
                actor=admin, name=spec.name, external_id=spec.external_id, tax_id=spec.tax_id, currency=spec.currency,
                payment_terms_days=spec.terms, parent=self.companies.get(spec.parent), email=f"ap@{spec.key.replace('_', '')}.test",
                phone="+1 312 555 0100" if country == "US" else "", address_line1=line1, address_line2=line2, city=city,
                postal_code=postal, country=country,
            )  # fmt: skip
            self.companies[spec.key] = company
            self.key_of[company.pk] = spec.key
        self.companies["initech"] = company_create(
            actor=admin, name="Initech", external_id="S-50001", tax_id="US 74-1029384", is_customer=False, is_supplier=True,
            currency="USD", payment_terms_days=45, email="billing@initech.test", address_line1="4120 Freidrich Lane",
            city="Austin", postal_code="78744", country="US",
        )  # fmt: skip
        for email, name, role, key in COMPANY_USERS:
            self.users[email] = user_create(
                actor=admin, email=email, full_name=name, role=roles[role], company=self.companies[key], password=settings.DEMO_PASSWORD
            )

    def purchase_orders(self) -> None:
        """A few purchase orders we issued to Initech, for the AP side."""
        items = (("Swingline stapler, red", "18.99"), ("TPS report cover sheets, ream", "12.50"),
                 ("Printer maintenance, quarterly", "420.00"), ("Initech Pro licence, one seat", "95.00"))  # fmt: skip
        for n in range(4):
            lines = [{"sku": f"IT-{i + 1:03d}", "description": desc, "quantity": D(self.rng.randint(1, 20)), "unit_price": D(price)}
                     for i, (desc, price) in enumerate(self.rng.sample(items, 2))]  # fmt: skip
            order_upsert(
                actor=self.users["ap@demo.test"], source="erp", external_id=f"PO-{self.today.year}-{n + 1:04d}",
                company=self.companies["initech"], lines=lines, order_date=self.day(60 - 14 * n), status="approved",
                placed_by=self.users["ap@demo.test"], po_number=f"PO-{self.today.year}-{n + 1:04d}", direction="purchase",
            )  # fmt: skip

    # --- planning -------------------------------------------------------------------------------------

    def plan_orders(self, count: int) -> list[_OrderPlan]:
        plans = []
        for _ in range(count):
            key = self.pick_customer()
            spec = SPECS[key]
            placed_on = self.day(self.rng.randint(0, HORIZON_DAYS - 10))
            source = "bigcommerce" if self.rng.random() < spec.store_share else "erp"
            ship_on = None if self.rng.random() < 0.04 else placed_on + dt.timedelta(days=self.rng.randint(1, 6))
            placers = PLACERS.get(key)
            want_po = self.rng.random() < (0.7 if source == "erp" else 0.2)
            plans.append(_OrderPlan(
                key=key, source=source, placed_on=placed_on, ship_on=ship_on, lines=self.product_lines(spec),
                placed_by=self.pick(placers) if placers else None,
                po_number=f"PO-{spec.external_id[2:]}-{self.rng.randint(1000, 9999)}" if want_po else "",
                erp_invoice=source == "erp" and self.rng.random() < 0.5,
            ))  # fmt: skip
        plans.sort(key=lambda p: p.placed_on)
        for plan in plans:
            store = plan.source == "bigcommerce"
            plan.external_id = str(self.next("bc", start=100231)) if store else f"SO-{self.next('so', start=4501):06d}"
        settled = [p for p in plans if p.ship_on and p.ship_on <= self.day(30)]
        for plan, what in zip(self.rng.sample(settled, min(len(settled), 11)), ["update"] * 6 + ["cancel"] * 5, strict=False):
            assert plan.ship_on is not None
            plan.after, plan.after_on = what, plan.ship_on + dt.timedelta(days=self.rng.randint(3, 25))
        return plans

    # --- documents ------------------------------------------------------------------------------------

    def issue(self, invoice: Invoice, day: dt.date, actor: User, *, may_cancel: bool = True) -> Invoice:
        invoice = invoice_issue(actor=actor, invoice=invoice, issue_date=day)
        if not invoice.po_number and invoice.kind == Kind.INVOICE and self.rng.random() < 0.04:
            # Reissued the same day with the customer's PO number: version 2 in the audit trail and the seal chain.
            invoice = invoice_update(actor=actor, invoice=invoice, po_number=f"PO-{self.rng.randint(100000, 999999)}")
        if invoice.kind != Kind.CREDIT_NOTE:
            self.schedule(invoice, day, may_cancel=may_cancel)
        return invoice

    def schedule(self, invoice: Invoice, day: dt.date, *, may_cancel: bool) -> None:
        """How this customer will treat this document: pay on time, late, in part, never, or see it canceled."""
        spec = self.spec(invoice)
        payer = spec.parent if spec.parent and self.rng.random() < 0.4 else spec.key
        assert invoice.due_date is not None
        due, r = invoice.due_date, self.rng.random()
        if r < 0.05 and may_cancel:
            self.cancels[day + dt.timedelta(days=self.rng.randint(1, 12))].append(invoice.pk)
        elif r < 0.14:
            return  # never paid: overdue once past due
        elif r < 0.28:
            first = max(day + dt.timedelta(days=1), due + dt.timedelta(days=self.rng.randint(-10, 15)))
            part = quantize(invoice.total * D(self.rng.choice(("0.25", "0.4", "0.5", "0.6"))), invoice.currency)
            if part > ZERO:
                self.pay_on(first, _PayEvent(invoice.pk, payer, part))
            if self.rng.random() < 0.7:
                self.pay_on(first + dt.timedelta(days=self.rng.randint(14, 45)), _PayEvent(invoice.pk, payer, None))
        else:
            pay_day = max(day + dt.timedelta(days=1), due + dt.timedelta(days=self.rng.randint(-20, 20)))
            self.pay_on(pay_day, _PayEvent(invoice.pk, payer, None))

    def pay_on(self, day: dt.date, event: _PayEvent) -> None:
        if day <= self.today:
            self.payments[day].append(event)

    def place_order(self, plan: _OrderPlan) -> None:
        placed_by = self.users[plan.placed_by] if plan.placed_by else None
        plan.order, _ = order_upsert(
            actor=None, source=plan.source, external_id=plan.external_id, company=self.companies[plan.key], lines=plan.lines,
            order_date=plan.placed_on, status="awaiting_fulfillment" if plan.source == "bigcommerce" else "open",
            placed_by=placed_by, po_number=plan.po_number,
        )  # fmt: skip
        if plan.ship_on is None:
            order_cancel(actor=None, order=plan.order, status="canceled")

    def ship_and_invoice(self, plan: _OrderPlan, day: dt.date) -> None:
        assert plan.order is not None
        spec = SPECS[plan.key]
        order, _ = order_upsert(
            actor=None, source=plan.source, external_id=plan.external_id, company=self.companies[plan.key], lines=plan.lines,
            order_date=plan.placed_on, status="shipped", po_number=plan.po_number,
        )  # fmt: skip
        shipping = [self.cost_line(spec)] if self.rng.random() < 0.7 else []
        if plan.erp_invoice:
            lines = [
                {"sku": ol.sku, "description": ol.description, "quantity": ol.quantity, "unit_price": ol.unit_price,
                 "tax_category": ol.tax_category, "tax_rate": ol.tax_rate, "order_line_id": ol.pk}
                for ol in order.lines.order_by("line_no")
            ] + shipping  # fmt: skip
            invoice = invoice_create(
                actor=None, company=order.company, lines=lines, source=Source.ERP, order=order,
                external_id=f"ERP-INV-{self.next('erp-inv', start=88001)}",
            )  # fmt: skip
        else:
            invoice = invoice_create_from_order(actor=self.users["sales@demo.test"], order=order, extra_lines=shipping)
            if self.rng.random() < 0.1:
                discount = self.s_base_discount(spec, plan.lines, D(5))
                if discount > ZERO:
                    invoice = invoice_update(
                        actor=self.users["sales@demo.test"], invoice=invoice, discount=discount, discount_tax_category="S",
                        discount_tax_rate=spec.vat, notes="Loyalty discount 5 % on taxable goods.",
                    )  # fmt: skip
        if day >= self.day(1) and self.rng.random() < 0.6:
            return  # still a draft: sales checks it before it goes out
        self.issue(invoice, day, self.users["sales@demo.test"], may_cancel=not plan.after)

    def after_invoicing(self, plan: _OrderPlan) -> None:
        """The source changes or cancels an order that was invoiced already: the order gets its flag."""
        assert plan.order is not None
        if plan.after == "update":
            lines = [dict(ln) for ln in plan.lines]
            lines[0]["quantity"] = lines[0]["quantity"] + 1
            order_upsert(
                actor=None, source=plan.source, external_id=plan.external_id, company=self.companies[plan.key], lines=lines,
                order_date=plan.placed_on, status="shipped", po_number=plan.po_number,
            )  # fmt: skip
            return
        order = order_cancel(actor=None, order=plan.order, status="canceled")
        invoice = order.invoices.filter(status=Status.OPEN).first()
        if invoice is not None and self.rng.random() < 0.5:
            invoice_cancel(actor=self.users["sales@demo.test"], invoice=invoice, reason="The order was canceled after invoicing.")

    def standalone_invoice(self, day: dt.date) -> None:
        """An invoice that did not come from a synced order: keyed in, pushed by the ERP or API, or imported."""
        key = self.pick_customer()
        spec, company = SPECS[key], self.companies[key]
        source = self.pick(INVOICE_SOURCES)
        header: dict[str, Any] = {}
        external_id = None
        lines: list[dict[str, Any]]
        if source == Source.MANUAL:
            hours = self.rng.choice((2, 3, 4, 6, 8, 12))
            lines = [_line("On-site maintenance, technician hours", self.price(spec, "95.00"), spec, quantity=hours,
                           sku="SVC-MNT", unit_code="HUR")]  # fmt: skip
            if self.rng.random() < 0.4:
                lines.append(_line("Operator training workshop, half day", self.price(spec, "680.00"), spec, sku="SVC-TRN"))
            lines.append(self.cost_line(spec, "Technician travel", "120.00"))
            header["service_start"] = header["service_end"] = day - dt.timedelta(days=self.rng.randint(1, 5))
        elif source == Source.API:
            month_end = day.replace(day=1) - dt.timedelta(days=1)
            description = f"Fleet telemetry subscription, {month_end:%B %Y}"
            devices = self.rng.randint(5, 40)
            lines = [_line(description, self.price(spec, "19.00"), spec, quantity=devices, sku="TEL-SUB", unit_code="MON")]
            header.update(service_start=month_end.replace(day=1), service_end=month_end)
            external_id = f"api_inv_{self.next('api', start=5001)}"
        else:
            lines = self.product_lines(spec)
            if self.rng.random() < 0.5:
                lines.append(self.cost_line(spec, "LTL freight, one pallet", "185.00"))
            if self.rng.random() < 0.15:
                lines[0]["discount"] = quantize(D(lines[0]["quantity"]) * lines[0]["unit_price"] / 10, spec.currency)
            if source == Source.ERP:
                external_id = f"ERP-INV-{self.next('erp-inv', start=88001)}"
            else:
                external_id = f"CSV-{day:%Y%m%d}-{self.next('csv', start=1):04d}"
        if self.rng.random() < 0.12:
            discount = self.s_base_discount(spec, lines, D(self.rng.choice((3, 5, 8))))
            if discount > ZERO:
                header.update(discount=discount, discount_tax_category="S", discount_tax_rate=spec.vat)
        if spec.currency == "EUR":
            header["payment_instructions"] = "SEPA transfer to IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX."
        elif spec.currency == "USD":
            header["payment_instructions"] = "ACH or wire to routing 021000021, account 483920117; checks payable to Demo Supplies Ltd."
        actor = self.users["finance@demo.test"] if source == Source.MANUAL else None
        invoice = invoice_create(actor=actor, company=company, lines=lines, source=source, external_id=external_id, **header)
        if day >= self.day(2) and self.rng.random() < 0.3:
            return
        self.issue(invoice, day, actor or self.users["sales@demo.test"])

    def memo(self, kind: str, day: dt.date) -> None:
        key = self.pick_customer()
        spec, company = SPECS[key], self.companies[key]
        finance = self.users["finance@demo.test"]
        live = [Status.OPEN, Status.PARTIALLY_PAID, Status.PAID]
        issued = list(
            Invoice.objects.filter(company=company, kind=Kind.INVOICE, issue_date__lt=day, status__in=live)
            .annotate(memo_count=Count("memos")).order_by("pk")
        )  # fmt: skip
        if kind == Kind.DEBIT_NOTE:
            late = [i for i in issued if i.status != Status.PAID and i.due_date and i.due_date < day - dt.timedelta(days=14)]
            if late and self.rng.random() < 0.5:
                ref = self.rng.choice(late)
                fee = max(quantize(ref.balance * D("0.015"), spec.currency), self.price(spec, "25.00"))
                lines = [{"description": f"Late payment fee, 1.5 % on {ref.number}", "quantity": 1, "unit_price": fee, "tax_category": "O"}]
            elif issued and self.rng.random() < 0.7:
                ref = self.rng.choice(issued)
                lines = [self.cost_line(spec, f"Fuel and freight surcharge for {ref.number}", self.rng.choice(("14.00", "27.50", "42.00")))]
            else:
                ref = None
                lines = [_line("Returnable pallet deposit", self.price(spec, "12.00"), spec, quantity=self.rng.randint(2, 10))]
            debit = debit_note_create(actor=finance, company=company, lines=lines, invoice=ref, issue=False)
            self.issue(debit, day, finance)
            return
        fresh = [i for i in issued if not i.memo_count]
        r = self.rng.random()
        target = self.rng.choice(fresh) if fresh and r < 0.7 else None
        if target is not None:
            items = [ln for ln in target.lines.filter(kind="item").order_by("line_no") if ln.quantity >= 2]
            if items and r < 0.4:
                line = self.rng.choice(items)
                qty = self.rng.randint(1, min(int(line.quantity) - 1, 3))
                notes = f"Returned goods: {qty} × {line.description}."
                credit = credit_note_create(actor=finance, invoice=target, lines={line.pk: qty}, notes=notes, issue=False)
            else:
                first = target.lines.order_by("line_no").first()
                assert first is not None
                amount = quantize(target.line_net_total * D(self.rng.choice(("0.03", "0.05", "0.08"))), spec.currency)
                if amount <= ZERO:
                    return
                credit = credit_note_create(
                    actor=finance, invoice=target, amount=amount, tax_category=first.tax_category, tax_rate=first.tax_rate,
                    description="Price adjustment to the contract price list", notes="Agreed with the customer's buyer.", issue=False,
                )  # fmt: skip
        else:
            amount = self.price(spec, self.rng.choice(("150.00", "250.00", "400.00")))
            lines = [_line(f"Volume rebate, {day:%B %Y}", amount, spec)]
            credit = credit_note_create(actor=finance, company=company, lines=lines, notes="Volume rebate, annual agreement.", issue=False)
        credit = self.issue(credit, day, finance)
        if target is not None:
            target.refresh_from_db()
            if target.balance > ZERO:
                credit_note_apply(actor=finance, credit_note=credit, allocations=[(target, min(target.balance, credit.total))])

    def cancel(self, invoice_id: int) -> None:
        invoice = Invoice.objects.get(pk=invoice_id)
        if invoice.status != Status.OPEN:
            return
        sales = self.users["sales@demo.test"]
        if self.rng.random() < 0.5:
            invoice_cancel(actor=sales, invoice=invoice, reason=self.rng.choice(CANCEL_REASONS))
        else:
            invoice_delete(actor=sales, invoice=invoice)  # an open document is canceled, its number kept

    # --- money ----------------------------------------------------------------------------------------

    def pay_day(self, day: dt.date) -> None:
        groups: dict[tuple[str, str], list[tuple[Invoice, Decimal]]] = {}
        for event in self.payments.pop(day, []):
            invoice = Invoice.objects.get(pk=event.invoice_id)
            if invoice.status not in (Status.OPEN, Status.PARTIALLY_PAID) or invoice.pk in self.reserved:
                continue
            amount = invoice.balance if event.amount is None else min(event.amount, invoice.balance)
            if amount > ZERO:
                groups.setdefault((event.payer, invoice.currency), []).append((invoice, amount))
        for (payer, currency), allocations in groups.items():
            if self.rng.random() < 0.6:
                allocations = self.use_credit(payer, currency, allocations)
            if allocations:
                self.pay(payer, currency, allocations, day)

    def use_credit(self, payer: str, currency: str, allocations: list[tuple[Invoice, Decimal]]) -> list[tuple[Invoice, Decimal]]:
        """Credit on account (an earlier overpayment or an unapplied credit note) is used before new money."""
        company, finance = self.companies[payer], self.users["finance@demo.test"]
        payments = list(
            Payment.objects.filter(company=company, currency=currency, status__in=SETTLED_STATUSES)
            .filter(amount__gt=F("refunded_amount") + F("allocated_total"))
            .order_by("pk")
        )
        unapplied = [Status.OPEN, Status.PARTIALLY_PAID]
        credits = list(
            Invoice.objects.filter(company=company, currency=currency, kind=Kind.CREDIT_NOTE, status__in=unapplied).order_by("pk")
        )
        remaining = []
        for invoice, amount in allocations:
            for payment in payments:
                take = min(amount, payment.amount - payment.refunded_amount - payment.allocated_total)
                if take > ZERO:
                    payment = payment_allocate(actor=finance, payment=payment, allocations=[(invoice, take)])
                    payments = [payment if p.pk == payment.pk else p for p in payments]
                    amount -= take
            for credit in credits:
                take = min(amount, credit.balance)
                if take > ZERO:
                    credit = credit_note_apply(actor=finance, credit_note=credit, allocations=[(invoice, take)])
                    credits = [credit if c.pk == credit.pk else c for c in credits]
                    amount -= take
            if amount > ZERO:
                remaining.append((invoice, amount))
        return remaining

    def pay(self, payer: str, currency: str, allocations: list[tuple[Invoice, Decimal]], day: dt.date, method: str = "") -> Payment:
        spec, company = SPECS[payer], self.companies[payer]
        method = method or self.pick(spec.methods)
        total = sum((amount for _, amount in allocations), ZERO)
        reference = self.reference(payer, method, day)
        if method in (Method.CARD, Method.BANK):
            # Through the gateway: pending until its webhook says how it ended.
            payment = payment_record(
                actor=None, company=company, amount=total, currency=currency, method=method, reference=reference, received_on=day,
                status=PaymentStatus.PENDING, gateway="stripe", gateway_reference=self.gateway_ref("pi"),
            )  # fmt: skip
            r = self.rng.random()
            if day == self.today and r < 0.5:
                return payment
            if r < 0.09:
                outcome = PaymentStatus.FAILED if r < 0.06 else PaymentStatus.CANCELED
                payment = payment_resolve_pending(actor=None, payment=payment, status=outcome)
                retry = day + dt.timedelta(days=self.rng.randint(2, 6))
                for invoice, amount in allocations:
                    self.pay_on(retry, _PayEvent(invoice.pk, payer, amount))
                return payment
            return payment_resolve_pending(actor=None, payment=payment, status=PaymentStatus.SUCCEEDED, allocations=allocations)
        amount = total
        if method == Method.WIRE and self.rng.random() < 0.08:
            step = D(10_000) if currency == "JPY" else D(100)
            amount = (total / step).to_integral_value(rounding=ROUND_CEILING) * step
            amount += step if amount == total else ZERO  # a round figure above what was due: credit on account
        return payment_record(
            actor=self.users["finance@demo.test"], company=company, amount=amount, currency=currency, method=method,
            reference=reference, received_on=day, allocations=allocations,
        )  # fmt: skip

    # --- the simulation -------------------------------------------------------------------------------

    def simulate(self, *, orders: int, documents: int, scene_documents: int) -> None:
        plans = self.plan_orders(orders)
        placed, shipped, after = defaultdict(list), defaultdict(list), defaultdict(list)
        for plan in plans:
            placed[plan.placed_on].append(plan)
            if plan.ship_on and plan.ship_on <= self.today:
                shipped[plan.ship_on].append(plan)
            if plan.after_on and plan.after_on <= self.today:
                after[plan.after_on].append(plan)
        order_invoices = sum(len(v) for v in shipped.values())
        memos = max(6, documents // 10)
        standalone = max(0, documents - order_invoices - memos - scene_documents - 4)
        fillers: Counter[dt.date] = Counter(self.day(self.rng.randint(0, HORIZON_DAYS)) for _ in range(standalone))
        memo_days: defaultdict[dt.date, list[str]] = defaultdict(list)
        for i in range(memos):
            memo_days[self.day(self.rng.randint(1, HORIZON_DAYS - 30))].append(Kind.DEBIT_NOTE if i % 9 < 4 else Kind.CREDIT_NOTE)
        for offset in range(HORIZON_DAYS, -1, -1):
            day = self.day(offset)
            for plan in placed[day]:
                self.place_order(plan)
            for plan in shipped[day]:
                self.ship_and_invoice(plan, day)
            for _ in range(fillers[day]):
                self.standalone_invoice(day)
            for kind in memo_days[day]:
                self.memo(kind, day)
            for plan in after[day]:
                self.after_invoicing(plan)
            for invoice_id in self.cancels.pop(day, []):
                self.cancel(invoice_id)
            self.pay_day(day)

    # --- the named scenes ------------------------------------------------------------------------------

    def open_invoices(self, key: str, count: int, *, issued_by: dt.date | None = None, **filters: Any) -> list[Invoice]:
        """Open invoices of a company that no other scene has used yet, oldest due first."""
        found: list[Invoice] = list(
            Invoice.objects.filter(
                company=self.companies[key], kind=Kind.INVOICE, status=Status.OPEN, issue_date__lte=issued_by or self.today
            )
            .exclude(pk__in=self.reserved)
            .exclude(pk__in=open_disputes().values("invoice_id"))
            .annotate(n_lines=Count("lines"))
            .filter(**filters)
            .order_by("due_date", "pk")[:count]
        )
        if len(found) < count:
            raise RuntimeError(f"The demo needs {count} open invoices of {key} for a scene; found {len(found)}.")
        self.reserved.update(invoice.pk for invoice in found)
        return found

    def gateway_payment(self, key: str, invoice: Invoice, day: dt.date, *, method: str, status: str, allocate: bool = True) -> Payment:
        payment = payment_record(
            actor=None, company=self.companies[key], amount=invoice.balance, currency=invoice.currency, method=method,
            reference=self.reference(key, method, day), received_on=day, status=PaymentStatus.PENDING, gateway="stripe",
            gateway_reference=self.gateway_ref("pi"),
        )  # fmt: skip
        if status == PaymentStatus.PENDING:
            return payment
        allocations = [(invoice, invoice.balance)] if allocate and status == PaymentStatus.SUCCEEDED else []
        return payment_resolve_pending(actor=None, payment=payment, status=status, allocations=allocations)

    def scenes(self) -> None:
        self.scene_disputes()
        self.scene_spread_check()
        self.scene_bounced_check()
        self.scene_refunds()
        self.scene_credit_on_account()
        self.scene_every_method_and_status()
        self.scene_edits()
        self.scene_hold()

    def scene_hold(self) -> None:
        """Finance agreed a payment plan with Globex: one overdue invoice waits on hold, without reminders."""
        (held,) = self.open_invoices("globex", 1)
        invoice_hold(actor=self.users["finance@demo.test"], invoice=held, reason="Payment plan agreed: two instalments")

    def scene_disputes(self) -> None:
        u, finance = self.users, self.users["finance@demo.test"]
        alice = u["alice@acme.test"]
        damaged, price_query = self.open_invoices("acme", 2, order__placed_by=alice)
        duplicate, not_received = self.open_invoices("acme_west", 2, n_lines__gte=2, discount=0)
        contract_price = self.open_invoices("acme", 1)[0]
        (short,) = self.open_invoices("globex", 1)

        def first_item(invoice: Invoice) -> InvoiceLine:
            line = invoice.lines.order_by("-kind", "line_no").first()  # item lines before cost lines
            assert line is not None
            return line

        line = first_item(damaged)
        dispute = dispute_open(
            actor=alice, line=line, reason="damaged", text="Two cartons arrived crushed; photos sent to our account manager."
        )
        credit = quantize(line.net_amount / 5, damaged.currency)
        dispute_resolve_by_credit(actor=finance, dispute=dispute, amount=credit, comment="20 % credited for the damaged cartons.")
        dispute_open(actor=alice, line=first_item(price_query), reason="price", text="Our quote said 5 % less for this item.")
        dispute = dispute_open(
            actor=u["bob@acme.test"], line=first_item(contract_price), reason="price", text="Price does not match our contract list."
        )
        dispute_reject(actor=finance, dispute=dispute, comment="The contract price list changed on 1 July; the invoiced price is correct.")
        dispute = dispute_open(
            actor=u["carol@acme.test"], line=first_item(duplicate), reason="duplicate", text="Billed on another invoice already."
        )
        dispute_resolve_by_credit(actor=finance, dispute=dispute, comment="Billed twice by mistake; the line is credited in full.")
        dispute_open(
            actor=u["walt@acmewest.test"], line=first_item(not_received), reason="not_received", text="Still waiting for this item."
        )
        dispute_open(
            actor=u["charlie@globex.test"], line=first_item(short), reason="quantity", text="We counted fewer units than invoiced."
        )

    def scene_spread_check(self) -> None:
        """One check from ACME for three of its invoices and one of its subsidiary's, one of them in part."""
        acme = self.open_invoices("acme", 3, issued_by=self.day(4))
        (west,) = self.open_invoices("acme_west", 1, issued_by=self.day(4))
        allocations = [(acme[0], acme[0].balance), (acme[1], acme[1].balance), (acme[2], quantize(acme[2].balance * D("0.4"), "USD")),
                       (west, west.balance)]  # fmt: skip
        payment_record(
            actor=self.users["finance@demo.test"], company=self.companies["acme"], amount=sum((a for _, a in allocations), ZERO),
            currency="USD", method=Method.CHECK, reference="Check #104887", received_on=self.day(3), allocations=allocations,
            notes="Remittance advice lists four invoices, one of ACME West's; the third is paid in part pending a delivery query.",
        )  # fmt: skip

    def scene_bounced_check(self) -> None:
        """A check over two invoices bounces: both reopen; the customer wires one of them again."""
        finance = self.users["finance@demo.test"]
        invoices = self.open_invoices("wayne", 2, issued_by=self.day(20))
        check = payment_record(
            actor=finance, company=self.companies["wayne"], amount=sum((i.balance for i in invoices), ZERO), currency="USD",
            method=Method.CHECK, reference="Check #5590", received_on=self.day(18), allocations=[(i, i.balance) for i in invoices],
        )  # fmt: skip
        payment_reverse(actor=finance, payment=check, reason="Returned unpaid by the bank: insufficient funds (NSF).")
        first = Invoice.objects.get(pk=invoices[0].pk)
        payment_record(
            actor=finance, company=self.companies["wayne"], amount=first.balance, currency="USD", method=Method.WIRE,
            reference=self.reference("wayne", Method.WIRE, self.day(6)), received_on=self.day(6), allocations=[(first, first.balance)],
            notes="Replaces the returned check #5590 for this invoice.",
        )  # fmt: skip

    def scene_refunds(self) -> None:
        """A duplicate card charge refunded in full; goods returned by Globex refunded in part against a credit note."""
        finance = self.users["finance@demo.test"]
        (invoice,) = self.open_invoices("stark", 1, issued_by=self.day(10))
        self.gateway_payment("stark", invoice, self.day(9), method=Method.CARD, status=PaymentStatus.SUCCEEDED)
        duplicate = self.gateway_payment("stark", invoice, self.day(9), method=Method.CARD, status=PaymentStatus.SUCCEEDED, allocate=False)
        refund_ref = self.gateway_ref("re")
        payment_refund(
            actor=finance, payment=duplicate, amount=duplicate.amount, reason="Duplicate card charge.", gateway_reference=refund_ref
        )

        candidates = Invoice.objects.filter(
            company=self.companies["globex"], kind=Kind.INVOICE, status=Status.PAID, discount=0, memos__isnull=True
        )
        for paid in candidates.order_by("-issue_date", "-pk"):
            allocations = list(paid.allocations.filter(amount__gt=0).select_related("payment"))
            payment = allocations[0].payment if len(allocations) == 1 else None
            line = paid.lines.filter(kind="item", quantity__gte=2).order_by("line_no").first()
            single = payment is not None and payment.allocations.filter(amount__gt=0).count() == 1
            if single and line and payment and payment.status == PaymentStatus.SUCCEEDED and payment.allocated_total == payment.amount:
                break
        else:
            raise RuntimeError("The demo needs a Globex invoice paid by one payment for the return scene.")
        credit = credit_note_create(actor=finance, invoice=paid, lines={line.pk: 1}, notes=f"One {line.description} returned.", issue=False)
        credit = invoice_issue(actor=finance, invoice=credit, issue_date=self.today)
        payment_refund(
            actor=finance, payment=payment, amount=credit.total, reason=f"Returned goods, credited by {credit.number}.",
            gateway_reference=self.gateway_ref("re") if payment.gateway else "",
        )  # fmt: skip
        credit_note_apply(actor=finance, credit_note=credit, allocations=[(paid, credit.total)])

    def scene_credit_on_account(self) -> None:
        """Umbrella wires a round sum above what is due; Nakatomi gets a goodwill credit note not yet applied."""
        finance = self.users["finance@demo.test"]
        invoices = self.open_invoices("umbrella", 2, issued_by=self.day(6))
        payment_record(
            actor=finance, company=self.companies["umbrella"], amount=sum((i.balance for i in invoices), ZERO) + D("1000.00"),
            currency="GBP", method=Method.WIRE, reference=self.reference("umbrella", Method.WIRE, self.day(5)), received_on=self.day(5),
            allocations=[(i, i.balance) for i in invoices], notes="Paid ahead: £1,000.00 stays on account for the next invoices.",
        )  # fmt: skip
        credit_note_create(
            actor=finance, company=self.companies["nakatomi"],
            lines=[{"description": "Goodwill credit for the delayed September delivery", "quantity": 1, "unit_price": D(30000),
                    "tax_category": "S", "tax_rate": SPECS["nakatomi"].vat}],
            notes="To be used against the next invoices.",
        )  # fmt: skip

    def scene_every_method_and_status(self) -> None:
        """A card payment still pending, a bank debit that failed, a checkout canceled, cash, and PayPal."""
        (stark,) = self.open_invoices("stark", 1)
        self.gateway_payment("stark", stark, self.today, method=Method.CARD, status=PaymentStatus.PENDING)
        (globex,) = self.open_invoices("globex", 1)
        self.gateway_payment("globex", globex, self.day(1), method=Method.BANK, status=PaymentStatus.FAILED)
        (acme,) = self.open_invoices("acme", 1)
        self.gateway_payment("acme", acme, self.day(2), method=Method.CARD, status=PaymentStatus.CANCELED)
        (west,) = self.open_invoices("acme_west", 1, issued_by=self.day(3))
        self.pay("acme_west", "USD", [(west, west.balance)], self.day(2), method=Method.CASH)
        (nakatomi,) = self.open_invoices("nakatomi", 1, issued_by=self.day(2))
        self.pay("nakatomi", "JPY", [(nakatomi, nakatomi.balance)], self.day(1), method=Method.OTHER)

    def scene_edits(self) -> None:
        """Edits the status table allows: a fee added to a partly paid invoice, a quantity corrected, a draft
        deleted, a credit note issued to the wrong customer canceled, an order flag acknowledged."""
        sales, finance = self.users["sales@demo.test"], self.users["finance@demo.test"]
        partly = (
            Invoice.objects.filter(kind=Kind.INVOICE, status=Status.PARTIALLY_PAID).exclude(pk__in=self.reserved).order_by("pk").first()
        )
        assert partly is not None
        self.reserved.add(partly.pk)
        lines = [_line_dict(ln) for ln in partly.lines.order_by("line_no")]
        invoice_update(actor=finance, invoice=partly, lines=[*lines, self.cost_line(self.spec(partly), "Expedited handling fee", "35.00")])
        for invoice in self.open_invoices("stark", 3):
            lines = [_line_dict(ln) for ln in invoice.lines.order_by("line_no")]
            line = next((ln for ln in lines if ln["kind"] == "item" and ln["quantity"] >= 2 and not ln["discount"]), None)
            if line is not None:
                line["quantity"] -= 1
                invoice_update(actor=sales, invoice=invoice, lines=lines, notes="Quantity corrected after the delivery check.")
                break
        wayne = self.companies["wayne"]
        draft = invoice_create(actor=sales, company=wayne, lines=self.product_lines(SPECS["wayne"]), notes="Entered twice by mistake.")
        invoice_delete(actor=sales, invoice=draft)
        wrong = credit_note_create(actor=finance, company=wayne, lines=[_line("Volume rebate", D("200.00"), SPECS["wayne"])])
        invoice_cancel(actor=finance, invoice=wrong, reason="Issued to the wrong customer.")
        flagged = Order.objects.filter(flag_updated=True).order_by("pk").first()
        if flagged is not None:
            order_acknowledge_flags(actor=sales, order=flagged)

    def top_up(self, documents: int) -> None:
        """Drafts in preparation bring the count to exactly ``documents``."""
        sales = self.users["sales@demo.test"]
        for _ in range(documents - Invoice.objects.count()):
            key = self.pick_customer()
            lines = self.product_lines(SPECS[key])
            invoice_create(actor=sales, company=self.companies[key], lines=lines, notes="Quote accepted; invoice in preparation.")


# Documents the scenes add: two credit notes for disputes, one for the return, the goodwill one, the canceled one.
SCENE_DOCUMENTS = 5


def _line(description: str, price: Decimal, spec: CompanySpec, *, quantity: object = 1, **extra: Any) -> dict[str, Any]:
    """A line taxed at the customer's standard rate."""
    return {"description": description, "quantity": quantity, "unit_price": price, "tax_category": "S", "tax_rate": spec.vat, **extra}


def _line_dict(line: InvoiceLine) -> dict[str, Any]:
    return {
        "kind": line.kind, "sku": line.sku, "description": line.description, "quantity": line.quantity, "unit_code": line.unit_code,
        "unit_price": line.unit_price, "discount": line.discount, "tax_category": line.tax_category, "tax_rate": line.tax_rate,
        "order_line_id": line.order_line_id,
    }  # fmt: skip


def demo_exists() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


@transaction.atomic
def build_demo(*, seed: int = DEMO_SEED, orders: int = 200, documents: int = 500) -> dict[str, dict[str, int]]:
    """Load the demo data set into an empty database (see the module docstring); return its summary."""
    with origin("system", "demo"):
        # Two years of history are not emailed again: documents and receipts are not sent while loading.
        # Dispute news is (the few open disputes), and today's reminders follow the schedule.
        NotificationSettings.objects.update_or_create(pk=1, defaults={"email_on_issue": False, "payment_receipts": False})
        portal_settings_update(
            actor=None, seller_name="Demo Supplies Ltd.", seller_tax_id="US 94-3127765", seller_country="US",
            seller_address="200 Market Street, Suite 400\nSan Francisco, CA 94105", seller_email="billing@demo-supplies.test",
        )  # fmt: skip
        demo = _Demo(rng=random.Random(seed), today=timezone.localdate())
        demo.people()
        demo.purchase_orders()
        demo.simulate(orders=orders, documents=documents, scene_documents=SCENE_DOCUMENTS)
        demo.scenes()
        demo.top_up(documents)
        build_ap_demo(today=demo.today, users=demo.users, companies=demo.companies)  # received invoices, beside the issued ones
        NotificationSettings.objects.filter(pk=1).update(email_on_issue=True, payment_receipts=True)
        reminders_run()
    return demo_summary()


def _by(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def demo_summary() -> dict[str, dict[str, int]]:
    invoices, payments, orders, users = Invoice.objects.all(), Payment.objects.all(), Order.objects.all(), User.objects.all()
    companies = Company.objects.all()
    with_credit = payments.filter(status__in=SETTLED_STATUSES, amount__gt=F("refunded_amount") + F("allocated_total"))
    return {
        "companies": {"customers": companies.filter(is_customer=True).count(), "suppliers": companies.filter(is_supplier=True).count()},
        "users": {"seller staff": users.filter(company__isnull=True).count(), "company users": users.filter(company__isnull=False).count()},
        "orders": {**_by(orders.values_list("direction", flat=True)), "flagged updated": orders.filter(flag_updated=True).count(),
                   "flagged canceled": orders.filter(flag_canceled=True).count()},
        "invoice documents": {"total": invoices.count(), **_by(invoices.values_list("kind", flat=True))},
        "by status": {**_by(invoices.values_list("status", flat=True)), "overdue": overdue(invoices).count()},
        "by source": _by(invoices.values_list("source", flat=True)),
        "payments": {"total": payments.count(), **_by(payments.values_list("status", flat=True))},
        "by method": _by(payments.values_list("method", flat=True)),
        "allocations": {"from payments": Allocation.objects.filter(payment__isnull=False, amount__gt=0).count(),
                        "from credit notes": Allocation.objects.filter(credit_note__isnull=False, amount__gt=0).count(),
                        "refunds": Refund.objects.count(), "payments with credit on account": with_credit.count()},
        "disputes": _by(Dispute.objects.values_list("status", flat=True)),
    }  # fmt: skip
