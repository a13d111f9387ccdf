"""Who may open which portal page, and whose invoices each persona sees: never another company's."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from invoice_portal.accounts.models import Role
from invoice_portal.accounts.services import role_set_permission
from invoice_portal.portal import urls as portal_urls
from invoice_portal.portal.tests.conftest import Books, ids
from invoice_portal.testing import make_company, make_user

pytestmark = pytest.mark.django_db


def _export_numbers(response: Any) -> set[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Number"] for row in csv.DictReader(io.StringIO(text))}


def _all_ids(client: Client) -> set[int]:
    return ids(client.get("/portal/invoices/?sort=number"))


# --- Who sees what ---------------------------------------------------------------------------------


def test_alice_sees_only_the_invoices_of_her_own_orders(books: Books, login: Any) -> None:
    assert _all_ids(login(books.p.alice)) == {books.alice_web.pk, books.alice_second.pk}


def test_bob_sees_every_invoice_of_acme_but_no_drafts_and_no_subsidiary(books: Books, login: Any) -> None:
    seen = _all_ids(login(books.p.bob))
    b = books
    assert seen == {b.alice_web.pk, b.alice_second.pk, b.bob_web.pk, b.acme_erp.pk, b.acme_paid.pk, b.acme_credit.pk}
    assert b.acme_draft.pk not in seen


def test_carol_sees_acme_and_its_subsidiary_acme_west(books: Books, login: Any) -> None:
    seen = _all_ids(login(books.p.carol))
    assert {books.west.pk, books.west_erp.pk, books.alice_web.pk, books.acme_erp.pk} <= seen
    assert books.globex.pk not in seen


def test_walt_at_acme_west_does_not_see_the_parents_invoices(books: Books, login: Any) -> None:
    client = login(books.p.walt)
    assert _all_ids(client) == {books.west.pk}
    assert client.get(f"/portal/invoices/{books.alice_web.pk}/").status_code == 404


@pytest.mark.parametrize("suffix", ["", "pdf", "ubl", "cii", "facturx", "download"])
def test_charlie_gets_404_on_an_acme_invoice_url_pdf_and_e_invoice(books: Books, login: Any, suffix: str) -> None:
    client = login(books.p.charlie)
    for invoice in (books.alice_web, books.acme_erp, books.west):
        assert client.get(f"/portal/invoices/{invoice.pk}/{suffix}").status_code == 404
    assert client.get(f"/portal/invoices/{books.globex.pk}/{suffix}").status_code == 200


def test_charlie_cannot_dispute_promise_or_pay_acme_invoices_by_id(books: Books, login: Any) -> None:
    client = login(books.p.charlie)
    line = books.alice_web.lines.first()
    assert line is not None
    pk = books.alice_web.pk
    assert client.post(f"/portal/invoices/{pk}/dispute", {"x-line": line.pk, "x-reason": "price", "x-text": "No"}).status_code == 404
    assert client.post(f"/portal/invoices/{pk}/promise", {"promise-date": "2099-01-01", "promise-amount": "1.00"}).status_code == 404
    page = client.get(f"/portal/pay/?invoice={pk}")
    assert page.status_code == 200
    assert books.alice_web.number not in page.content.decode()
    assert books.alice_web.disputes.count() == 0


def test_charlies_export_holds_globex_rows_and_none_of_acmes(books: Books, login: Any) -> None:
    response = login(books.p.charlie).get("/portal/invoices/export.csv")
    assert response.status_code == 200
    assert _export_numbers(response) == {books.globex.number}


def test_charlie_cannot_widen_his_scope_with_a_company_filter(books: Books, login: Any) -> None:
    client = login(books.p.charlie)
    assert _all_ids(client) == {books.globex.pk}
    assert ids(client.get(f"/portal/invoices/?company={books.p.acme.pk}")) == {books.globex.pk}
    assert _export_numbers(client.get(f"/portal/invoices/export.csv?company={books.p.acme.pk}")) == {books.globex.number}


def test_every_invoice_page_of_another_company_is_404_for_every_persona(books: Books, login: Any) -> None:
    outside = {"alice": books.globex, "bob": books.west, "walt": books.acme_erp, "charlie": books.acme_paid, "carol": books.globex}
    for name, invoice in outside.items():
        client = login(getattr(books.p, name))
        for suffix in ("", "pdf", "ubl", "cii", "facturx", "xrechnung", "download"):
            url = f"/portal/invoices/{invoice.pk}/{suffix}"
            assert client.get(url).status_code == 404, (name, url)


def test_a_draft_is_404_even_for_its_own_company(books: Books, login: Any) -> None:
    client = login(books.p.carol)
    for suffix in ("", "pdf", "ubl", "cii", "facturx", "xrechnung", "download"):
        assert client.get(f"/portal/invoices/{books.acme_draft.pk}/{suffix}").status_code == 404, suffix


# --- Who may open the pages ------------------------------------------------------------------------


def _simple_urls() -> list[str]:
    """Every portal page that takes no object id, from the URL configuration itself."""
    return [
        reverse(f"portal:{p.name}") for p in portal_urls.urlpatterns if isinstance(p, URLPattern) and p.name and "<" not in str(p.pattern)
    ]


def _open(client: Client, url: str) -> Any:
    """GET the page, or POST when it only takes POST (the writes)."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def test_every_portal_page_sends_anonymous_visitors_to_the_login(client: Client) -> None:
    for url in _simple_urls():
        response = _open(client, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_seller_staff_are_sent_to_their_workspace(books: Books, login: Any) -> None:
    client = login(books.p.finance)
    for url in ("/portal/invoices/", f"/portal/invoices/{books.alice_web.pk}/", "/portal/pay/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/seller/"), url


def test_seller_staff_without_the_seller_workspace_get_403(books: Books, login: Any) -> None:
    clerk = make_user(email="clerk@demo.test", role="ap_clerk")
    assert login(clerk).get("/portal/invoices/").status_code == 403


def test_a_supplier_user_gets_403_everywhere(books: Books, login: Any) -> None:
    supplier = make_user(email="sam@initech.test", role="supplier_user", company=make_company(name="Initech", is_supplier=True))
    client = login(supplier)
    for url in _simple_urls():
        assert _open(client, url).status_code == 403, url


def test_a_revoked_permission_closes_its_page(books: Books, login: Any) -> None:
    role = Role.objects.get(code="accounts_payable")
    role_set_permission(actor=books.p.admin, role=role, permission="portal.export", enabled=False)
    role_set_permission(actor=books.p.admin, role=role, permission="portal.pdf", enabled=False)
    client = login(books.p.bob)
    assert client.get("/portal/invoices/export.csv").status_code == 403
    assert client.get(f"/portal/invoices/{books.acme_erp.pk}/pdf").status_code == 403
    assert client.get(f"/portal/invoices/{books.acme_erp.pk}/ubl").status_code == 403
    for suffix in ("cii", "facturx", "xrechnung", "download"):
        assert client.get(f"/portal/invoices/{books.acme_erp.pk}/{suffix}").status_code == 403, suffix
    page = client.get("/portal/invoices/").content.decode()
    assert "Export these" not in page
    assert "/pdf" not in page
    detail = client.get(f"/portal/invoices/{books.acme_erp.pk}/").content.decode()
    assert "/pdf" not in detail
    assert "/ubl" not in detail
    assert "/cii" not in detail


def test_only_a_company_admin_opens_the_users_page(books: Books, login: Any) -> None:
    assert login(books.p.carol).get("/portal/users/").status_code == 200
    for name in ("alice", "bob", "walt", "charlie"):
        assert login(getattr(books.p, name)).get("/portal/users/").status_code == 403, name


def test_the_statement_is_for_users_who_see_the_whole_company(books: Books, login: Any) -> None:
    assert login(books.p.bob).get("/portal/statement/").status_code == 200
    assert login(books.p.carol).get("/portal/statement/").status_code == 200
    for url in ("/portal/statement/", "/portal/statement/statement.csv", "/portal/statement/statement.pdf"):
        assert login(books.p.alice).get(url).status_code == 403, url


def test_the_navigation_shows_only_what_the_user_may_open(books: Books, login: Any) -> None:
    alice = login(books.p.alice).get("/portal/invoices/").content.decode()
    assert 'href="/portal/users/"' not in alice
    assert 'href="/portal/statement/"' not in alice
    carol = login(books.p.carol).get("/portal/invoices/").content.decode()
    assert 'href="/portal/users/"' in carol
    assert 'href="/portal/statement/"' in carol


def test_writes_need_post_and_a_csrf_token(books: Books) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(books.p.bob)
    assert client.get(f"/portal/invoices/{books.acme_erp.pk}/dispute").status_code == 405
    assert client.post(f"/portal/invoices/{books.acme_erp.pk}/promise", {"promise-date": "2099-01-01"}).status_code == 403


@pytest.mark.parametrize(
    ("who", "words"),
    [
        ("alice", "the invoices of the orders you placed for ACME"),
        ("bob", "Covers ACME"),
        ("carol", "and its subsidiaries"),
    ],
)
def test_the_invoices_page_and_the_statement_state_one_scope(books: Books, login: Any, who: str, words: str) -> None:
    """Issue 13: both read ``invoices_visible_to``; each says what it covers, in the same words."""
    client = login(getattr(books.p, who))
    listed = client.get(reverse("portal:invoices")).content.decode()
    statement = client.get(reverse("portal:statement"))
    covers = listed[listed.index("Covers ") : listed.index(";", listed.index("Covers "))]
    assert words in covers
    if statement.status_code == 200:  # a buyer without the payment history has no statement
        assert f"{covers}, as the invoices page does." in statement.content.decode()
