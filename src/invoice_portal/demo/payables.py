"""AP demo data: three suppliers with users, purchase orders in every state, receipts, and received
invoices through every intake path (supplier PO flip, AP keying with the PDF, retrofit, non-invoice
order, API, credit invoice, canceled), and a PO keyed by hand in AP. Written only through the services, like the rest of the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.services import user_create
from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_create
from invoice_portal.invoices.models import Invoice, Source
from invoice_portal.orders.models import Order
from invoice_portal.payables.services import (
    purchase_order_close,
    purchase_order_create,
    purchase_order_upsert,
    receipt_record,
    received_attachment_add,
    received_invoice_cancel,
    received_invoice_create,
    retrofit_invoice_create,
    retrofit_order_accept,
)

AP_DEMO_USERS = (
    ("sue@northwind.test", "Sue Novak", "supplier_admin", "northwind"),
    ("nick@northwind.test", "Nick Ortega", "supplier_user", "northwind"),
    ("carl@contoso.test", "Carl Lindberg", "supplier_admin", "contoso"),
)
AP_DEMO_LOGINS = tuple(email for email, *_ in AP_DEMO_USERS)

# A one-page PDF, as a supplier would send it (the AP keying path keeps it byte for byte).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _flip(order: Order, actor: Any, number: str, day: dt.date, *, source: str, prices: dict[int, str] | None = None,
          quantities: dict[int, str] | None = None) -> Invoice:  # fmt: skip
    lines = [
        {"description": ln.description, "sku": ln.sku, "quantity": (quantities or {}).get(ln.line_no, ln.quantity),
         "unit_code": ln.unit_code, "unit_price": (prices or {}).get(ln.line_no, ln.unit_price), "tax_rate": ln.tax_rate,
         "tax_category": ln.tax_category, "order_line_id": ln.pk}
        for ln in order.lines.order_by("line_no") if quantities is None or ln.line_no in quantities
    ]  # fmt: skip
    return received_invoice_create(actor=actor, supplier=order.company, number=number, lines=lines, order=order, issue_date=day,
                                   source=source)  # fmt: skip


def _receive(order: Order, actor: Any, day: dt.date, share: dict[int, str] | None = None) -> None:
    lines = [{"order_line": ln.pk, "quantity": (share or {}).get(ln.line_no, ln.quantity)} for ln in order.lines.order_by("line_no")
             if share is None or ln.line_no in share]  # fmt: skip
    receipt_record(actor=actor, order=order, lines=lines, received_on=day, reference=f"DN-{order.po_number}-{day:%m%d}")


def build_ap_demo(*, today: dt.date, users: dict[str, User], companies: dict[str, Company]) -> None:
    """Add the AP scenes to the demo. ``companies`` holds the demo's supplier Initech; Northwind and Contoso are added."""
    clerk, approver, admin = users["ap@demo.test"], users["approver@demo.test"], users["admin@demo.test"]

    def day(offset: int) -> dt.date:
        return today - dt.timedelta(days=offset)

    suppliers = {
        "northwind": company_create(actor=admin, name="Northwind Traders", external_id="S-50002", tax_id="GB 123 4567 89",
                                    is_customer=False, is_supplier=True, currency="USD", payment_terms_days=30,
                                    email="ar@northwind.test", city="Portland", country="US"),
        "contoso": company_create(actor=admin, name="Contoso Office Supply", external_id="S-50003", tax_id="US 55-1234567",
                                  is_customer=False, is_supplier=True, currency="USD", payment_terms_days=45,
                                  email="billing@contoso.test", city="Redmond", country="US"),
        "initech": companies["initech"],
    }  # fmt: skip
    roles = {role.code: role for role in Role.objects.all()}
    for email, name, role, key in AP_DEMO_USERS:
        users[email] = user_create(actor=admin, email=email, full_name=name, role=roles[role], company=suppliers[key],
                                   password=settings.DEMO_PASSWORD)  # fmt: skip
    sue, carl, sam = users["sue@northwind.test"], users["carl@contoso.test"], users["sam@initech.test"]

    def po(key: str, n: int, lines: list[tuple[str, str, str, str]], *, age: int, **extra: Any) -> Order:
        order, _ = purchase_order_upsert(
            actor=clerk, source="erp", external_id=f"AP-PO-{n:04d}", number=f"45000{n:05d}", supplier=suppliers[key],
            requester=approver, order_date=day(age), **extra,
            lines=[{"description": d, "quantity": q, "unit_code": u, "unit_price": p, "tax_rate": "8.25"} for d, q, u, p in lines],
        )  # fmt: skip
        return order

    paper = [("Copy paper A4, box of 5 reams", "20", "XBX", "24.00"), ("Toner cartridge, black", "6", "C62", "89.00")]
    chairs = [("Ergonomic office chair", "8", "C62", "249.00"), ("Chair mat", "8", "C62", "39.50")]
    # Open, nothing received: the supplier's flip waits in Pending Receiving.
    waiting = po("northwind", 1, paper, age=20)
    _flip(waiting, sue, "NW-24-0311", day(5), source=Source.SUPPLIER_PORTAL)
    # Received in full, flipped by the supplier at the PO price: accepted.
    received = po("northwind", 2, chairs, age=40)
    _receive(received, clerk, day(30))
    accepted = _flip(received, sue, "NW-24-0288", day(28), source=Source.SUPPLIER_PORTAL)
    # ... and a credit invoice for a damaged chair.
    received_invoice_create(actor=sue, supplier=suppliers["northwind"], number="NW-CR-0007", kind="credit_note", related_invoice=accepted,
                            issue_date=day(12), source=Source.SUPPLIER_PORTAL,
                            lines=[{"description": "Chair returned damaged", "quantity": "1", "unit_price": "249.00",
                                        "tax_rate": "8.25"}])  # fmt: skip
    # Partly received; the supplier billed a higher price: on hold with the reason.
    partly = po("contoso", 3, paper, age=25)
    _receive(partly, clerk, day(18), {1: "20"})
    _flip(partly, carl, "CON-9912", day(15), source=Source.SUPPLIER_PORTAL, prices={1: "26.00"}, quantities={1: "20"})
    # A paper invoice keyed by AP against a received PO, with the supplier's PDF attached.
    keyed = po("initech", 4, [("Printer maintenance, quarterly", "1", "C62", "420.00")], age=50)
    _receive(keyed, clerk, day(45))
    paper_invoice = _flip(keyed, clerk, "INI-2024-118", day(44), source=Source.MANUAL)
    received_attachment_add(actor=clerk, invoice=paper_invoice, filename="INI-2024-118.pdf", content=DEMO_PDF)
    # An invoice the ERP posted over the API, then canceled by its creator (billed twice).
    api_po = po("initech", 5, [("Initech Pro licence, one seat", "10", "C62", "95.00")], age=35)
    duplicate = _flip(api_po, clerk, "INI-2024-121", day(9), source=Source.API)
    received_invoice_cancel(actor=clerk, invoice=duplicate, reason="Sent twice; see INI-2024-122")
    _flip(api_po, clerk, "INI-2024-122", day(8), source=Source.API)
    # Closed and canceled POs.
    closed = po("contoso", 6, [("Whiteboard markers, pack of 12", "10", "XPK", "9.80")], age=90)
    _receive(closed, clerk, day(80))
    _flip(closed, carl, "CON-9790", day(79), source=Source.SUPPLIER_PORTAL)
    purchase_order_close(actor=clerk, order=closed)
    purchase_order_close(actor=clerk, order=po("contoso", 7, chairs, age=15), cancel=True)
    # A non-invoice order (paid by card): its invoice is recorded and marked, never paid.
    card = po("northwind", 8, [("Conference catering", "1", "C62", "640.00")], age=10, no_invoice_expected=True)
    _receive(card, clerk, day(9))
    _flip(card, sue, "NW-24-0330", day(8), source=Source.SUPPLIER_PORTAL)
    # A purchase order AP keyed by hand (the ERP never sent it): open, waiting for the goods.
    purchase_order_create(actor=clerk, supplier=suppliers["contoso"], number="AP-HAND-0001", requester=approver, order_date=day(2),
                          lines=[{"sku": "DESK-160", "description": "Standing desk, 160 cm", "quantity": "2", "unit_price": "540.00",
                                  "tax_rate": "8.25"}])  # fmt: skip
    # Retrofit invoices: one waits for the requester, one was accepted.
    retrofit_invoice_create(actor=sam, supplier=suppliers["initech"], number="INI-2024-125", requester=approver, issue_date=day(3),
                            source=Source.SUPPLIER_PORTAL,
                            lines=[{"description": "Emergency server room call-out", "quantity": "3", "unit_code": "HUR",
                                       "unit_price": "150.00"}])  # fmt: skip
    earlier = retrofit_invoice_create(actor=clerk, supplier=suppliers["northwind"], number="NW-24-0299", requester=approver,
                                      issue_date=day(21), source=Source.MANUAL,
                                      lines=[{"description": "Same-day courier", "quantity": "1", "unit_price": "85.00"}])  # fmt: skip
    assert earlier.order is not None
    retrofit_order_accept(actor=approver, order=earlier.order, comment="Yes, I booked it by phone.")
    from invoice_portal.demo.ap_matching import build_ap_matching_demo

    build_ap_matching_demo(today=today, users=users, suppliers=suppliers)
