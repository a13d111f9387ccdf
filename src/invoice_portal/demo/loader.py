"""The demo loader: ``build_demo`` runs the parts of the package in order (see the package's docstring)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from invoice_portal.accounts.models import User
from invoice_portal.audit.context import origin
from invoice_portal.companies.models import Company
from invoice_portal.demo.catalog import ADMIN_EMAIL, DEMO_LOGINS, DEMO_SEED, SCENE_DOCUMENTS
from invoice_portal.demo.einvoicing import einvoice_demo_identities
from invoice_portal.demo.payables import build_ap_demo
from invoice_portal.demo.scenes import Demo
from invoice_portal.integrations.bigcommerce.demo import store_demo
from invoice_portal.invoices.models import Dispute, Invoice
from invoice_portal.invoices.selectors import overdue
from invoice_portal.notifications.models import NotificationSettings
from invoice_portal.notifications.services import reminders_run
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Payment, Refund
from invoice_portal.seller.services import portal_settings_update
from invoice_portal.webhooks.demo import load_demo_webhooks

__all__ = ["ADMIN_EMAIL", "DEMO_LOGINS", "DEMO_SEED", "build_demo", "demo_exists", "demo_summary"]


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
        demo = Demo(rng=random.Random(seed), today=timezone.localdate())
        demo.people()
        einvoice_demo_identities()  # the documents app's demo data: Peppol ids, seller contact and account
        demo.purchase_orders()
        demo.simulate(orders=orders, documents=documents, scene_documents=SCENE_DOCUMENTS)
        demo.scenes()
        demo.top_up(documents)
        # Other apps' demo data: one call each here, taking what it needs from ``demo``.
        build_ap_demo(today=demo.today, users=demo.users, companies=demo.companies)  # received invoices, beside the issued ones
        store_demo(actor=demo.users[ADMIN_EMAIL])
        NotificationSettings.objects.filter(pk=1).update(email_on_issue=True, payment_receipts=True)
        reminders_run()
        load_demo_webhooks()
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
