"""The demo's people and companies: seller staff, customers (one with a subsidiary), company users, a supplier."""

from __future__ import annotations

from django.conf import settings

from invoice_portal.accounts.models import Role
from invoice_portal.accounts.services import user_create, user_set_staff
from invoice_portal.companies.services import company_create
from invoice_portal.demo.base import DemoBase
from invoice_portal.demo.catalog import ADMIN_EMAIL, COMPANY_USERS, CUSTOMERS, STAFF, D
from invoice_portal.orders.services import order_upsert


class DemoPeople(DemoBase):
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
