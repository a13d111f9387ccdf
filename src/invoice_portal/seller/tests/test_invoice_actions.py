"""Issue, cancel, delete; credit and debit notes; disputes; the audit trail and payment history on the page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from invoice_portal.invoices.models import Dispute, Invoice
from invoice_portal.seller.tests.conftest import World


def detail(invoice: Invoice) -> str:
    return reverse("seller:invoice_detail", args=[invoice.pk])


def test_issue_asks_first_saying_what_will_happen_the_total_and_the_customer(world: World, client) -> None:
    client.force_login(world.p.sales)
    page = client.get(reverse("seller:invoice_issue", args=[world.draft.pk]))
    html = page.content.decode()
    assert f"Issue this invoice to {world.draft.company}?" in html
    assert "$100.00" in html  # the draft's total
    assert "It gets the next number, INV-" in html
    assert "can no longer be deleted, only canceled" in html
    # Posting without the confirmation (a stale form, a script) shows the question again and issues nothing.
    again = client.post(reverse("seller:invoice_issue", args=[world.draft.pk]))
    assert "Issue this invoice to" in again.content.decode()
    world.draft.refresh_from_db()
    assert world.draft.status == "draft"
    assert world.draft.number is None


def test_the_issue_question_of_an_issued_invoice_goes_back_with_a_message(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.get(reverse("seller:invoice_issue", args=[world.open.pk]), follow=True)
    assert "only drafts can be issued" in response.content.decode()


def test_issuing_a_draft_gives_it_a_number(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.post(reverse("seller:invoice_issue", args=[world.draft.pk]), {"confirm": "yes"}, follow=True)
    world.draft.refresh_from_db()
    assert world.draft.status == "open"
    assert world.draft.number
    assert f"Issued as {world.draft.number}" in response.content.decode()


def test_issuing_twice_is_refused_with_a_message(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.post(reverse("seller:invoice_issue", args=[world.open.pk]), {"confirm": "yes"}, follow=True)
    assert "Not issued" in response.content.decode()
    assert "only drafts can be issued" in response.content.decode()


def test_deleting_a_draft_removes_it(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.post(reverse("seller:invoice_delete", args=[world.draft.pk]))
    assert response["Location"] == reverse("seller:invoices")
    assert not Invoice.objects.filter(pk=world.draft.pk).exists()


def test_deleting_an_open_invoice_cancels_it_and_keeps_the_number(world: World, client) -> None:
    client.force_login(world.p.sales)
    client.post(reverse("seller:invoice_delete", args=[world.globex_open.pk]))
    world.globex_open.refresh_from_db()
    assert world.globex_open.status == "canceled"
    assert world.globex_open.number


def test_a_partially_paid_invoice_has_no_delete_and_refuses_one(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(detail(world.partial)).content.decode()
    assert "Delete draft" not in html
    assert "Cancel invoice" not in html
    assert "cannot be deleted" in html
    response = client.post(reverse("seller:invoice_delete", args=[world.partial.pk]), follow=True)
    assert "Not deleted" in response.content.decode()
    world.partial.refresh_from_db()
    assert world.partial.status == "partially_paid"


def test_canceling_records_the_reason_in_the_audit_trail(world: World, client) -> None:
    client.force_login(world.p.sales)
    client.post(reverse("seller:invoice_cancel", args=[world.globex_open.pk]), {"cancel-reason": "Ordered twice"})
    html = client.get(detail(world.globex_open)).content.decode()
    assert "invoice.cancel" in html
    assert "Ordered twice" in html


def test_finance_credits_an_amount_and_it_is_applied(world: World, client) -> None:
    client.force_login(world.p.finance)
    data = {"credit-mode": "amount", "credit-amount": "50.00", "credit-tax": "Z|0", "credit-description": "Goodwill"}
    response = client.post(reverse("seller:invoice_credit_note", args=[world.globex_open.pk]), data)
    credit = Invoice.objects.get(related_invoice=world.globex_open, kind="credit_note")
    assert response["Location"] == detail(credit)
    world.globex_open.refresh_from_db()
    assert credit.status == "paid"
    assert world.globex_open.balance == Decimal("450.00")
    assert world.globex_open.status == "partially_paid"


def test_credit_beyond_the_invoice_total_is_a_form_error_and_nothing_is_written(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Invoice.objects.count()
    data = {"credit-mode": "amount", "credit-amount": "9999.00", "credit-tax": "Z|0"}
    response = client.post(reverse("seller:invoice_credit_note", args=[world.globex_open.pk]), data)
    assert response.status_code == 200
    assert "it would be credited" in response.content.decode()
    assert Invoice.objects.count() == before


def test_a_malformed_credit_amount_is_a_form_error(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Invoice.objects.count()
    data = {"credit-mode": "amount", "credit-amount": "12.345", "credit-tax": "Z|0"}
    response = client.post(reverse("seller:invoice_credit_note", args=[world.globex_open.pk]), data)
    assert "more than 2 decimal places" in response.content.decode()
    assert response.context["credit_form"].errors["amount"]
    assert Invoice.objects.count() == before


def test_crediting_some_lines(world: World, client) -> None:
    client.force_login(world.p.finance)
    first = world.open.lines.order_by("line_no")[0]
    data = {"credit-mode": "lines", f"credit-line_{first.pk}": "1"}
    client.post(reverse("seller:invoice_credit_note", args=[world.open.pk]), data)
    credit = Invoice.objects.get(related_invoice=world.open, kind="credit_note")
    assert credit.total == Decimal("100.00")
    assert credit.lines.get().description == first.description


def test_finance_issues_a_debit_note(world: World, client) -> None:
    client.force_login(world.p.finance)
    data = {"debit-description": "Late fee", "debit-amount": "15.00", "debit-tax_category": "Z", "debit-tax_rate": "0"}
    response = client.post(reverse("seller:invoice_debit_note", args=[world.open.pk]), data)
    debit = Invoice.objects.get(related_invoice=world.open, kind="debit_note")
    assert response["Location"] == detail(debit)
    assert debit.status == "open"
    assert debit.total == Decimal("15.00")
    assert (debit.number or "").startswith("DN-")


def test_a_debit_note_with_a_bad_rate_is_refused(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Invoice.objects.count()
    data = {"debit-description": "Late fee", "debit-amount": "15.00", "debit-tax_category": "S", "debit-tax_rate": "0"}
    response = client.post(reverse("seller:invoice_debit_note", args=[world.open.pk]), data)
    assert "needs a rate above 0" in response.content.decode()
    assert Invoice.objects.count() == before


def test_the_dispute_shows_the_buyers_reason(world: World, client) -> None:
    client.force_login(world.p.finance)
    html = client.get(detail(world.open)).content.decode()
    assert "Agreed price was 90" in html
    assert "Wrong price" in html
    assert "Issue credit note and close" in html
    assert "Reject with comment" in html


def test_sales_sees_disputes_without_resolution_forms(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(detail(world.open)).content.decode()
    assert "Agreed price was 90" in html
    assert "Reject with comment" not in html


def test_rejecting_a_dispute_needs_a_comment(world: World, client) -> None:
    client.force_login(world.p.finance)
    url = reverse("seller:dispute_reject", args=[world.open.pk, world.dispute.pk])
    response = client.post(url, {f"reject-{world.dispute.pk}-comment": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    world.dispute.refresh_from_db()
    assert world.dispute.status == "open"
    client.post(url, {f"reject-{world.dispute.pk}-comment": "The contract says 100"})
    world.dispute.refresh_from_db()
    assert world.dispute.status == "rejected"
    assert world.dispute.resolution_comment == "The contract says 100"


def test_resolving_a_dispute_by_credit_note_closes_it(world: World, client) -> None:
    client.force_login(world.p.finance)
    url = reverse("seller:dispute_credit", args=[world.open.pk, world.dispute.pk])
    client.post(url, {f"credit-{world.dispute.pk}-amount": "10.00", f"credit-{world.dispute.pk}-comment": "Price corrected"})
    dispute = Dispute.objects.get(pk=world.dispute.pk)
    assert dispute.status == "credited"
    assert dispute.credit_note is not None
    assert dispute.credit_note.total == Decimal("10.00")
    world.open.refresh_from_db()
    assert world.open.balance == Decimal("190.00")
    html = client.get(detail(world.open)).content.decode()
    assert "Resolved by credit note" in html


def test_a_bad_dispute_credit_amount_leaves_the_dispute_open(world: World, client) -> None:
    client.force_login(world.p.finance)
    before = Invoice.objects.count()
    url = reverse("seller:dispute_credit", args=[world.open.pk, world.dispute.pk])
    response = client.post(url, {f"credit-{world.dispute.pk}-amount": "-5"})
    assert "must not be negative" in response.content.decode()
    world.dispute.refresh_from_db()
    assert world.dispute.status == "open"
    assert Invoice.objects.count() == before


def test_the_page_shows_payment_history_with_memo(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(detail(world.overdue)).content.decode()
    assert f"Payment #{world.payment.pk}" in html
    assert "CHK-777" in html
    assert "$30.00" in html


def test_the_page_shows_the_audit_trail(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(detail(world.open)).content.decode()
    assert "invoice.create" in html
    assert "invoice.issue" in html
    assert "dispute.open" in html


def test_bulk_issue_numbers_the_ticked_drafts_in_order(world: World, client) -> None:
    from invoice_portal.testing import make_invoice

    second = make_invoice(company=world.p.globex, status="draft")
    client.force_login(world.p.sales)
    data = {"invoice": [str(second.pk), str(world.draft.pk), str(world.open.pk)], "next": "/seller/invoices/?status=draft"}
    asked = client.post(reverse("seller:invoices_bulk"), {**data, "action": "issue"})
    assert asked.status_code == 200  # first what will happen, nothing issued yet
    html = asked.content.decode()
    assert "Issue 2 drafts?" in html
    assert f"Not drafts, left as they are: {world.open}" in html
    assert html.count('name="invoice"') == 2
    assert 'name="confirm" value="yes"' in html
    world.draft.refresh_from_db()
    assert world.draft.status == "draft"
    response = client.post(reverse("seller:invoices_bulk"), {**data, "action": "issue", "confirm": "yes"})
    assert response["Location"] == "/seller/invoices/?status=draft"
    world.draft.refresh_from_db()
    second.refresh_from_db()
    assert world.draft.status == "open"
    assert second.status == "open"
    assert (world.draft.number or "") < (second.number or "")
    page = client.get("/seller/invoices/").content.decode()
    assert "Issued 2" in page
    assert "only drafts can be issued" in page


def test_the_dashboard_offers_checkboxes_for_every_document_but_canceled_ones(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get("/seller/invoices/").content.decode()
    assert f'value="{world.draft.pk}" id="pick-{world.draft.pk}"' in html
    assert f'id="pick-{world.open.pk}"' in html
    assert f'id="pick-{world.canceled.pk}"' not in html
    assert 'value="send"' in html
    assert 'value="remind"' in html


def test_the_pdf_downloads(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.get(reverse("seller:invoice_pdf", args=[world.paid.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert world.paid.number in response["Content-Disposition"]


def test_the_root_page_sends_seller_staff_to_the_workspace_and_buyers_to_the_portal(world: World, client) -> None:
    client.force_login(world.p.sales)
    assert client.get("/")["Location"] == "/seller/"
    client.force_login(world.p.alice)
    assert client.get("/")["Location"] == "/portal/invoices/"


def test_finance_sets_a_line_status_on_the_invoice_page_and_sales_may_not(world: World, client) -> None:
    url = reverse("seller:invoice_line_status", args=[world.open.pk])
    data = {"line_status-line": "1", "line_status-status": "enterprise:payment_received", "line_status-reason": "Cash, receipt 12"}
    client.force_login(world.p.sales)
    assert client.post(url, data).status_code == 403
    assert "Change a line's status" not in client.get(detail(world.open)).content.decode()

    client.force_login(world.p.finance)
    refused = client.post(url, {**data, "line_status-reason": ""})
    done = client.post(url, data, follow=True)

    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert "Line 1: enterprise status changed." in done.content.decode()
    assert world.open.lines.get(line_no=1).enterprise_status == "payment_received"


def test_a_line_status_of_another_invoice_s_line_number_is_a_form_error(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.post(
        reverse("seller:invoice_line_status", args=[world.open.pk]),
        {"line_status-line": "99", "line_status-status": "customer:paid", "line_status-reason": "Phone call"},
    )

    assert response.status_code == 400
    assert not world.open.lines.filter(customer_status="paid").exists()
