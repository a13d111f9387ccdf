"""The demo's orders and invoice documents: planned, placed, shipped, invoiced, noted, canceled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from invoice_portal.accounts.models import User
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.demo.catalog import CANCEL_REASONS, HORIZON_DAYS, INVOICE_SOURCES, PLACERS, SPECS, D, OrderPlan, PayEvent, standard_line
from invoice_portal.demo.people import DemoPeople
from invoice_portal.invoices.models import Invoice, Kind, Source, Status
from invoice_portal.invoices.services import (
    credit_note_create,
    debit_note_create,
    invoice_cancel,
    invoice_create,
    invoice_create_from_order,
    invoice_delete,
    invoice_issue,
    invoice_update,
)
from invoice_portal.orders.services import order_cancel, order_upsert
from invoice_portal.payments.services import (
    credit_note_apply,
)


class DemoDocuments(DemoPeople):
    # --- planning -------------------------------------------------------------------------------------

    def plan_orders(self, count: int) -> list[OrderPlan]:
        plans = []
        for _ in range(count):
            key = self.pick_customer()
            spec = SPECS[key]
            placed_on = self.day(self.rng.randint(0, HORIZON_DAYS - 10))
            source = "bigcommerce" if self.rng.random() < spec.store_share else "erp"
            ship_on = None if self.rng.random() < 0.04 else placed_on + dt.timedelta(days=self.rng.randint(1, 6))
            placers = PLACERS.get(key)
            want_po = self.rng.random() < (0.7 if source == "erp" else 0.2)
            plans.append(OrderPlan(
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
                self.pay_on(first, PayEvent(invoice.pk, payer, part))
            if self.rng.random() < 0.7:
                self.pay_on(first + dt.timedelta(days=self.rng.randint(14, 45)), PayEvent(invoice.pk, payer, None))
        else:
            pay_day = max(day + dt.timedelta(days=1), due + dt.timedelta(days=self.rng.randint(-20, 20)))
            self.pay_on(pay_day, PayEvent(invoice.pk, payer, None))

    def pay_on(self, day: dt.date, event: PayEvent) -> None:
        if day <= self.today:
            self.payments[day].append(event)

    def place_order(self, plan: OrderPlan) -> None:
        placed_by = self.users[plan.placed_by] if plan.placed_by else None
        plan.order, _ = order_upsert(
            actor=None, source=plan.source, external_id=plan.external_id, company=self.companies[plan.key], lines=plan.lines,
            order_date=plan.placed_on, status="awaiting_fulfillment" if plan.source == "bigcommerce" else "open",
            placed_by=placed_by, po_number=plan.po_number,
        )  # fmt: skip
        if plan.ship_on is None:
            order_cancel(actor=None, order=plan.order, status="canceled")

    def ship_and_invoice(self, plan: OrderPlan, day: dt.date) -> None:
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

    def after_invoicing(self, plan: OrderPlan) -> None:
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
            lines = [standard_line("On-site maintenance, technician hours", self.price(spec, "95.00"), spec, quantity=hours,
                           sku="SVC-MNT", unit_code="HUR")]  # fmt: skip
            if self.rng.random() < 0.4:
                lines.append(standard_line("Operator training workshop, half day", self.price(spec, "680.00"), spec, sku="SVC-TRN"))
            lines.append(self.cost_line(spec, "Technician travel", "120.00"))
            header["service_start"] = header["service_end"] = day - dt.timedelta(days=self.rng.randint(1, 5))
        elif source == Source.API:
            month_end = day.replace(day=1) - dt.timedelta(days=1)
            description = f"Fleet telemetry subscription, {month_end:%B %Y}"
            devices = self.rng.randint(5, 40)
            lines = [standard_line(description, self.price(spec, "19.00"), spec, quantity=devices, sku="TEL-SUB", unit_code="MON")]
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
                lines = [standard_line("Returnable pallet deposit", self.price(spec, "12.00"), spec, quantity=self.rng.randint(2, 10))]
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
            lines = [standard_line(f"Volume rebate, {day:%B %Y}", amount, spec)]
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
