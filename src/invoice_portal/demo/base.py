"""The state of one demo run and the helpers every part of it uses."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.demo.catalog import CATALOG, CUSTOMERS, SHIPPING, SPECS, CompanySpec, D, PayEvent
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Method


class DemoBase:
    """The demo's state (the seeded random source, today, what was created so far) and its small helpers."""

    def __init__(self, *, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.companies: dict[str, Company] = {}
        self.key_of: dict[int, str] = {}
        self.users: dict[str, User] = {}
        self.payments: defaultdict[dt.date, list[PayEvent]] = defaultdict(list)
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
