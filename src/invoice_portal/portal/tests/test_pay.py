"""Paying invoices online from the portal: the pay page, its checks, the test gateway round trip, the return page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invoice_portal.integrations.testgateway import provider
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment
from invoice_portal.payments.selectors import allocations_to
from invoice_portal.portal.tests.conftest import Books
from invoice_portal.testing import database_state, make_invoice, pay

pytestmark = pytest.mark.django_db

D = Decimal


def _fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def _post(client: Client, amounts: dict[Invoice, str], **extra: str) -> Any:
    data: dict[str, Any] = {"invoice": [inv.pk for inv in amounts], **{f"amount_{inv.pk}": a for inv, a in amounts.items()}, **extra}
    return client.post("/portal/pay/", data)


def _written() -> dict[str, Any]:
    return {**database_state(), "checkouts": Checkout.objects.count()}


def _session_id(response: Any) -> str:
    match = re.fullmatch(r"/integrations/testgateway/checkout/([\w-]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_the_pay_page_lists_the_selected_invoices_with_their_balance_as_default(books: Books, login: Any) -> None:
    response = login(books.p.alice).get(f"/portal/pay/?invoice={books.alice_web.pk}&invoice={books.alice_second.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="amount_{books.alice_web.pk}"' in html
    assert 'value="50.00"' in html
    assert f'name="amount_{books.alice_second.pk}"' in html
    assert 'value="30.00"' in html
    assert "$80.00" in html  # the total


def test_invoices_the_buyer_may_not_pay_are_left_out_of_the_page(books: Books, login: Any) -> None:
    response = login(books.p.alice).get(f"/portal/pay/?invoice={books.alice_web.pk}&invoice={books.bob_web.pk}&invoice={books.globex.pk}")
    html = response.content.decode()
    assert f'name="amount_{books.alice_web.pk}"' in html
    assert books.bob_web.number not in html
    assert books.globex.number not in html
    assert "cannot be paid online" in html


def test_alice_pays_sixty_percent_of_one_invoice_and_all_of_another_end_to_end(books: Books, login: Any) -> None:
    client = login(books.p.alice)
    response = _post(client, {books.alice_web: "30.00", books.alice_second: "30.00"})
    assert response.status_code == 303
    session_id = _session_id(response)
    checkout = Checkout.objects.get()
    assert (checkout.status, checkout.amount, checkout.created_by) == (CheckoutStatus.PENDING, D("60.00"), books.p.alice)

    waiting = client.get(f"/portal/pay/return/?checkout={checkout.pk}")
    assert waiting.status_code == 200
    assert "Waiting for the payment gateway" in waiting.content.decode()
    assert 'hx-trigger="every 2s"' in waiting.content.decode()

    provider.session_complete(session_id=session_id, outcome="succeed")  # the buyer pays; the signed webhook arrives
    done = client.get(f"/portal/pay/return/?checkout={checkout.pk}").content.decode()
    assert "is confirmed" in done
    assert "every 2s" not in done
    web, second = _fresh(books.alice_web), _fresh(books.alice_second)
    assert (web.status, web.balance) == (Status.PARTIALLY_PAID, D("20.00"))
    assert (second.status, second.balance) == (Status.PAID, D("0"))
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert [a.payment for a in allocations_to(web)] == [payment]
    history = client.get("/portal/payments/").content.decode()
    assert f"Online payment, checkout #{checkout.pk}" in history


def test_the_gateways_hosted_page_sends_the_buyer_back_to_the_return_page(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    response = _post(client, {books.acme_erp: "70.00"})
    page = client.get(response["Location"])
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    back = client.post(response["Location"], {"csrfmiddlewaretoken": token.group(1).decode(), "outcome": "fail"})
    checkout = Checkout.objects.get()
    assert back["Location"] == f"http://testserver/portal/pay/return/?checkout={checkout.pk}"
    html = client.get(back["Location"]).content.decode()
    assert "Nothing was charged" in html
    assert "Try again" in html
    assert _fresh(books.acme_erp).balance == D("70.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("50.01", "more than the 50.00 USD still due"), ("0", "at least 0.01 USD"), ("0.001", "more than 2 decimal places"),
     ("-5", "must not be negative"), ("lots", "is not a number"), ("", "Enter an amount.")],
)  # fmt: skip
def test_a_wrong_amount_is_a_form_error_and_nothing_is_written(books: Books, login: Any, amount: str, message: str) -> None:
    before = _written()
    response = _post(login(books.p.alice), {books.alice_second: "10.00", books.alice_web: amount})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="row-error"' in html  # the error sits on the amount of that invoice
    assert html.count(message) == 1  # once, beside the field: not again in the totals box or a banner
    assert _written() == before


def test_two_wrong_amounts_each_show_their_error_on_their_own_row_once(books: Books, login: Any) -> None:
    response = _post(login(books.p.alice), {books.alice_second: "abc", books.alice_web: "1e3"})
    html = response.content.decode()
    assert html.count("is not a number written with the digits 0-9") == 1
    assert html.count("scientific notation") == 1
    assert html.count('class="row-error"') == 2


def test_the_live_totals_name_the_invoice_of_a_wrong_amount(books: Books, login: Any) -> None:
    client = login(books.p.alice)
    data = {"invoice": [books.alice_web.pk], f"amount_{books.alice_web.pk}": "1e3"}
    html = client.post(reverse("portal:pay_preview"), data, headers={"HX-Request": "true"}).content.decode()
    assert f"{books.alice_web}: &#x27;1e3&#x27; is written in scientific notation" in html
    assert "amount:" not in html


def test_an_invoice_outside_the_buyers_scope_refuses_the_whole_payment(books: Books, login: Any) -> None:
    before = _written()
    for other in (books.bob_web, books.globex, books.acme_draft, books.acme_paid):
        response = _post(login(books.p.alice), {books.alice_web: "10.00", other: "1.00"})
        assert response.status_code == 200
        assert "cannot be paid online" in response.content.decode()
    assert _written() == before


def test_a_payment_in_progress_reserves_its_amount_against_a_second_tab(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    assert _post(client, {books.acme_erp: "50.00"}).status_code == 303
    before = _written()
    second = _post(client, {books.acme_erp: "30.00"})
    assert second.status_code == 200
    assert "being paid in another checkout" in second.content.decode()
    assert _written() == before
    page = client.get(f"/portal/pay/?invoice={books.acme_erp.pk}").content.decode()
    assert 'value="20.00"' in page  # the default is what can still be paid


def test_canceling_a_pending_payment_frees_what_it_reserved(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    _post(client, {books.acme_erp: "70.00"})
    checkout = Checkout.objects.get()
    response = client.post("/portal/pay/cancel", {"checkout": checkout.pk})
    assert response.status_code == 303
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.CANCELED
    assert _post(client, {books.acme_erp: "70.00"}).status_code == 303


def test_someone_elses_checkout_is_404(books: Books, login: Any) -> None:
    _post(login(books.p.bob), {books.acme_erp: "70.00"})
    checkout = Checkout.objects.get()
    for name in ("alice", "charlie", "carol"):
        client = login(getattr(books.p, name))
        assert client.get(f"/portal/pay/return/?checkout={checkout.pk}").status_code == 404, name
        assert client.post("/portal/pay/cancel", {"checkout": checkout.pk}).status_code == 404, name
    assert login(books.p.bob).get("/portal/pay/return/?checkout=abc").status_code == 404
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PENDING


def test_credit_on_account_can_be_applied_and_may_pay_it_all(books: Books, login: Any) -> None:
    pay(company=books.p.acme, invoices=[], amount="25.00", reference="Overpaid")  # 25.00 of credit on ACME's account
    client = login(books.p.bob)
    page = client.get(f"/portal/pay/?invoice={books.acme_erp.pk}").content.decode()
    assert "available: $25.00" in page
    too_much = _post(client, {books.acme_erp: "20.00"}, apply_credit="25.00")
    assert "more than the 20.00 USD being paid" in too_much.content.decode()
    response = _post(client, {books.acme_erp: "20.00"}, apply_credit="20.00")
    assert response.status_code == 303
    checkout = Checkout.objects.get()
    assert response["Location"] == f"http://testserver/portal/pay/return/?checkout={checkout.pk}"
    assert checkout.status == CheckoutStatus.SUCCEEDED
    assert _fresh(books.acme_erp).balance == D("50.00")


def test_a_buyer_paying_her_own_orders_cannot_spend_the_companys_credit(books: Books, login: Any) -> None:
    from invoice_portal.core.errors import PermissionDenied
    from invoice_portal.payments.checkout import checkout_open

    pay(company=books.p.acme, invoices=[], amount="25.00", reference="Overpaid")
    client = login(books.p.alice)  # a Buyer: pays the invoices of her own orders
    page = client.get(f"/portal/pay/?invoice={books.alice_web.pk}").content.decode()
    assert "available: $25.00" not in page
    assert 'name="apply_credit"' not in page
    with pytest.raises(PermissionDenied, match="belongs to the whole company"):
        checkout_open(
            actor=books.p.alice, invoices_amounts={books.alice_web.pk: "10.00"}, apply_credit="10.00", gateway="test",
            return_url="/portal/pay/return/", expires_at=timezone.now() + dt.timedelta(minutes=30),
        )  # fmt: skip
    assert not Checkout.objects.exists()


def test_the_preview_adds_up_what_is_typed(books: Books, login: Any) -> None:
    client = login(books.p.alice)
    data = {
        "invoice": [books.alice_web.pk, books.alice_second.pk],
        f"amount_{books.alice_web.pk}": "12.34",
        f"amount_{books.alice_second.pk}": "x",
    }
    html = client.post("/portal/pay/preview", data, headers={"HX-Request": "true"}).content.decode()
    assert "$12.34" in html
    assert "is not a number" in html
    assert "<html" not in html


def test_invoices_in_two_currencies_are_paid_separately(books: Books, login: Any) -> None:
    euro = make_invoice(company=books.p.acme, currency="EUR")
    html = login(books.p.bob).get(f"/portal/pay/?invoice={books.acme_erp.pk}&invoice={euro.pk}").content.decode()
    assert "Pay the EUR invoices" in html
    assert "Pay the USD invoices" in html
    assert 'name="amount_' not in html


def test_a_user_without_the_pay_permission_has_no_checkboxes_and_no_pay_page(books: Books, login: Any) -> None:
    from invoice_portal.accounts.models import Role
    from invoice_portal.accounts.services import role_set_permission

    role_set_permission(actor=books.p.admin, role=Role.objects.get(code="buyer"), permission="portal.pay", enabled=False)
    client = login(books.p.alice)
    assert 'form="pay-form"' not in client.get("/portal/invoices/").content.decode()
    assert client.get(f"/portal/pay/?invoice={books.alice_web.pk}").status_code == 403
    assert _post(client, {books.alice_web: "1.00"}).status_code == 403
