"""Half a year simulated day by day, then the named scenes that docs and tests point at."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count

from invoice_portal.core.money import ZERO, quantize
from invoice_portal.demo.catalog import HORIZON_DAYS, SPECS, D, line_dict, standard_line
from invoice_portal.demo.payments import DemoPayments
from invoice_portal.invoices.models import Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.selectors import open_disputes
from invoice_portal.invoices.services import (
    credit_note_create,
    dispute_open,
    dispute_reject,
    dispute_resolve_by_credit,
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_hold,
    invoice_issue,
    invoice_update,
)
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_acknowledge_flags
from invoice_portal.payments.models import Method, Payment, PaymentStatus
from invoice_portal.payments.services import (
    credit_note_apply,
    payment_record,
    payment_refund,
    payment_resolve_pending,
    payment_reverse,
)


class Demo(DemoPayments):
    """The whole demo: ``simulate`` the months of trading, then play the ``scenes``."""

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
        lines = [line_dict(ln) for ln in partly.lines.order_by("line_no")]
        invoice_update(actor=finance, invoice=partly, lines=[*lines, self.cost_line(self.spec(partly), "Expedited handling fee", "35.00")])
        for invoice in self.open_invoices("stark", 3):
            lines = [line_dict(ln) for ln in invoice.lines.order_by("line_no")]
            line = next((ln for ln in lines if ln["kind"] == "item" and ln["quantity"] >= 2 and not ln["discount"]), None)
            if line is not None:
                line["quantity"] -= 1
                invoice_update(actor=sales, invoice=invoice, lines=lines, notes="Quantity corrected after the delivery check.")
                break
        wayne = self.companies["wayne"]
        draft = invoice_create(actor=sales, company=wayne, lines=self.product_lines(SPECS["wayne"]), notes="Entered twice by mistake.")
        invoice_delete(actor=sales, invoice=draft)
        wrong = credit_note_create(actor=finance, company=wayne, lines=[standard_line("Volume rebate", D("200.00"), SPECS["wayne"])])
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
