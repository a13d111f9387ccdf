"""Every seller page × every role: 200 when the role grants the page's permission, 403 otherwise;
company users get 403 everywhere; anonymous visitors are sent to the login page; unknown ids are 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from invoice_portal.accounts.permissions import BUILTIN_ROLES
from invoice_portal.events.models import Event
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_user
from invoice_portal.webhooks.models import WebhookDelivery, WebhookEndpoint

GRANTS = {role.code: set(role.grants) for role in BUILTIN_ROLES}

# A page needs every permission listed (the statement downloads need invoices.view besides customers.view).
PAGES: list[tuple[str, str | tuple[str, ...], Callable[[World], str]]] = [
    ("home", "invoices.view", lambda w: reverse("seller:home")),
    ("orders", "orders.view", lambda w: reverse("seller:orders")),
    ("order detail", "orders.view", lambda w: reverse("seller:order_detail", args=[w.flagged_order.pk])),
    ("order export", ("orders.view", "invoices.export"), lambda w: reverse("seller:orders_export")),
    ("invoices", "invoices.view", lambda w: reverse("seller:invoices")),
    ("invoice export", "invoices.export", lambda w: reverse("seller:invoices_export")),
    ("new invoice", "invoices.create", lambda w: reverse("seller:invoice_new")),
    ("new invoice for a customer", "invoices.create", lambda w: reverse("seller:invoice_new") + f"?company={w.p.acme.pk}"),
    ("draft invoice", "invoices.view", lambda w: reverse("seller:invoice_detail", args=[w.draft.pk])),
    ("open invoice", "invoices.view", lambda w: reverse("seller:invoice_detail", args=[w.open.pk])),
    ("partially paid invoice", "invoices.view", lambda w: reverse("seller:invoice_detail", args=[w.partial.pk])),
    ("paid invoice", "invoices.view", lambda w: reverse("seller:invoice_detail", args=[w.paid.pk])),
    ("canceled invoice", "invoices.view", lambda w: reverse("seller:invoice_detail", args=[w.canceled.pk])),
    ("invoice pdf", "invoices.view", lambda w: reverse("seller:invoice_pdf", args=[w.paid.pk])),
    ("invoice e-invoice", "invoices.view", lambda w: reverse("seller:invoice_ubl", args=[w.paid.pk])),
    ("invoice e-invoice (CII)", "invoices.view", lambda w: reverse("seller:invoice_cii", args=[w.paid.pk])),
    ("invoice Factur-X", "invoices.view", lambda w: reverse("seller:invoice_facturx", args=[w.paid.pk])),
    ("payments", "payments.view", lambda w: reverse("seller:payments")),
    ("payment detail", "payments.view", lambda w: reverse("seller:payment_detail", args=[w.payment.pk])),
    ("payment export", ("payments.view", "invoices.export"), lambda w: reverse("seller:payments_export")),
    ("new payment", "payments.record", lambda w: reverse("seller:payment_new")),
    ("new payment for a customer", "payments.record", lambda w: reverse("seller:payment_new") + f"?company={w.p.acme.pk}"),
    ("customers", "customers.view", lambda w: reverse("seller:customers")),
    ("customer detail", "customers.view", lambda w: reverse("seller:customer_detail", args=[w.p.acme.pk])),
    ("statement pdf", ("customers.view", "invoices.view"), lambda w: reverse("seller:customer_statement_pdf", args=[w.p.acme.pk])),
    ("statement csv", ("customers.view", "invoices.view"), lambda w: reverse("seller:customer_statement_csv", args=[w.p.acme.pk])),
    ("import", "invoices.view", lambda w: reverse("seller:imports")),
    ("promises", "payments.view", lambda w: reverse("seller:promises")),
    ("promises due today", "payments.view", lambda w: reverse("seller:promises") + "?due=today&status=pending"),
    ("promise export", ("payments.view", "invoices.export"), lambda w: reverse("seller:promise_export")),
    ("remittances", "payments.view", lambda w: reverse("seller:remittances")),
    ("all remittances", "payments.view", lambda w: reverse("seller:remittances") + "?status=all"),
    ("remittance detail", "payments.view", lambda w: reverse("seller:remittance_detail", args=[w.remittance.pk])),
    ("emails", "invoices.view", lambda w: reverse("seller:messages")),
    ("failed emails", "invoices.view", lambda w: reverse("seller:messages") + "?status=failed&kind=reminder"),
    ("reports", "reports.view", lambda w: reverse("seller:reports")),
    ("aging csv", "reports.view", lambda w: reverse("seller:report_export", args=["aging"])),
    ("dso csv", "reports.view", lambda w: reverse("seller:report_export", args=["dso"])),
    ("collections csv", "reports.view", lambda w: reverse("seller:report_export", args=["collections"])),
    ("disputes csv", "reports.view", lambda w: reverse("seller:report_export", args=["disputes"])),
    ("users", "users.manage", lambda w: reverse("seller:users")),
    ("roles", "roles.manage", lambda w: reverse("seller:roles")),
    ("role detail", "roles.manage", lambda w: reverse("seller:role_detail", args=[w.p.sales.role_id])),
    ("settings", "settings.manage", lambda w: reverse("seller:settings")),
    ("store connection", "integrations.manage", lambda w: reverse("seller:store")),
    ("webhooks", "integrations.manage", lambda w: reverse("webhooks:endpoint_list")),
    ("webhook endpoint", "integrations.manage", lambda w: reverse("webhooks:endpoint_detail", args=[_webhook_delivery().endpoint_id])),
    (
        "webhook delivery",
        "integrations.manage",
        lambda w: reverse("webhooks:delivery_detail", args=[_webhook_delivery().endpoint_id, _webhook_delivery().pk]),
    ),
]


def _webhook_delivery() -> WebhookDelivery:
    """An endpoint with one delivery of the world's first event (made on first use)."""
    endpoint, _ = WebhookEndpoint.objects.get_or_create(url="http://127.0.0.1:9/pages", defaults={"event_types": ["invoice.issued"]})
    delivery, _ = WebhookDelivery.objects.get_or_create(endpoint=endpoint, event=Event.objects.order_by("pk")[0])
    return delivery


SELLER_ROLES = ["admin", "finance", "sales", "ap_clerk", "approver"]
BUYERS = ["alice", "bob", "carol", "walt", "charlie"]


def _granted(role: str, permission: str | tuple[str, ...]) -> bool:
    return set((permission,) if isinstance(permission, str) else permission) <= GRANTS[role]


def _user(world: World, role: str):
    return getattr(world.p, role) if hasattr(world.p, role) else make_user(role=role)


@pytest.mark.parametrize("role", SELLER_ROLES)
def test_every_page_answers_200_with_the_permission_and_403_without(world: World, client, role: str) -> None:
    client.force_login(_user(world, role))
    for name, permission, url in PAGES:
        response = client.get(url(world))
        expected = 200 if _granted(role, permission) else 403
        assert response.status_code == expected, f"{role} on {name}: {response.status_code}, expected {expected}"


@pytest.mark.parametrize("buyer", BUYERS)
def test_company_users_get_403_on_every_seller_page(world: World, client, buyer: str) -> None:
    client.force_login(getattr(world.p, buyer))
    for name, _, url in PAGES:
        assert client.get(url(world)).status_code == 403, name


def test_anonymous_visitors_are_sent_to_login(world: World, client) -> None:
    for name, _, url in PAGES:
        response = client.get(url(world))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_a_deactivated_admin_gets_403(world: World, client) -> None:
    world.p.admin.is_active = False
    world.p.admin.save()
    client.force_login(world.p.admin)
    assert client.get(reverse("seller:home")).status_code in (302, 403)


ACTIONS: list[tuple[str, str, Callable[[World], str]]] = [
    ("issue", "invoices.issue", lambda w: reverse("seller:invoice_issue", args=[w.draft.pk])),
    ("bulk issue", "invoices.issue", lambda w: reverse("seller:invoices_bulk")),
    ("send", "invoices.send", lambda w: reverse("seller:invoice_send", args=[w.open.pk])),
    ("remind", "invoices.send", lambda w: reverse("seller:invoice_remind", args=[w.overdue.pk])),
    ("hold", "payments.record", lambda w: reverse("seller:invoice_hold", args=[w.overdue.pk])),
    ("record invoice response", "invoices.edit", lambda w: reverse("seller:invoice_response_upload", args=[w.open.pk])),
    ("retry email", "invoices.send", lambda w: reverse("seller:message_retry", args=[w.open.messages.get(kind="invoice").pk])),
    ("delete", "invoices.delete", lambda w: reverse("seller:invoice_delete", args=[w.draft.pk])),
    ("cancel", "invoices.delete", lambda w: reverse("seller:invoice_cancel", args=[w.globex_open.pk])),
    ("save", "invoices.edit", lambda w: reverse("seller:invoice_save", args=[w.draft.pk])),
    ("credit note", "memos.create", lambda w: reverse("seller:invoice_credit_note", args=[w.open.pk])),
    ("debit note", "memos.create", lambda w: reverse("seller:invoice_debit_note", args=[w.open.pk])),
    ("dispute reject", "disputes.resolve", lambda w: reverse("seller:dispute_reject", args=[w.open.pk, w.dispute.pk])),
    ("dispute credit", "disputes.resolve", lambda w: reverse("seller:dispute_credit", args=[w.open.pk, w.dispute.pk])),
    ("order invoice", "orders.invoice", lambda w: reverse("seller:order_invoice", args=[w.plain_order.pk])),
    ("order acknowledge", "orders.acknowledge", lambda w: reverse("seller:order_acknowledge", args=[w.flagged_order.pk])),
    ("payment new", "payments.record", lambda w: reverse("seller:payment_new") + f"?company={w.p.acme.pk}"),
    ("refund", "payments.refund", lambda w: reverse("seller:payment_refund", args=[w.payment.pk])),
    ("reverse", "payments.refund", lambda w: reverse("seller:payment_reverse", args=[w.payment.pk])),
    ("allocate", "payments.record", lambda w: reverse("seller:payment_allocate", args=[w.payment.pk])),
    ("confirm remittance", "payments.record", lambda w: reverse("seller:remittance_confirm", args=[w.remittance.pk])),
    ("reject remittance", "payments.record", lambda w: reverse("seller:remittance_reject", args=[w.remittance.pk])),
    ("add user", "users.manage", lambda w: reverse("seller:users")),
    ("deactivate user", "users.manage", lambda w: reverse("seller:user_active", args=[w.p.sales.pk])),
    ("set role", "users.manage", lambda w: reverse("seller:user_role", args=[w.p.sales.pk])),
    ("add role", "roles.manage", lambda w: reverse("seller:roles")),
    ("set permission", "roles.manage", lambda w: reverse("seller:role_detail", args=[w.p.sales.role_id])),
    ("settings", "settings.manage", lambda w: reverse("seller:settings")),
    ("store connection", "integrations.manage", lambda w: reverse("seller:store")),
    ("add webhook", "integrations.manage", lambda w: reverse("webhooks:endpoint_list")),
    ("save webhook", "integrations.manage", lambda w: reverse("webhooks:endpoint_detail", args=[_webhook_delivery().endpoint_id])),
    (
        "rotate webhook secret",
        "integrations.manage",
        lambda w: reverse("webhooks:endpoint_rotate_secret", args=[_webhook_delivery().endpoint_id]),
    ),
    ("delete webhook", "integrations.manage", lambda w: reverse("webhooks:endpoint_delete", args=[_webhook_delivery().endpoint_id])),
    (
        "retry webhook delivery",
        "integrations.manage",
        lambda w: reverse("webhooks:delivery_retry", args=[_webhook_delivery().endpoint_id, _webhook_delivery().pk]),
    ),
    (
        "replay webhook delivery",
        "integrations.manage",
        lambda w: reverse("webhooks:delivery_replay", args=[_webhook_delivery().endpoint_id, _webhook_delivery().pk]),
    ),
    ("customer e-invoicing", "customers.edit", lambda w: reverse("seller:customer_einvoicing", args=[w.p.acme.pk])),
]


@pytest.mark.parametrize("role", ["sales", "finance", "ap_clerk"])
def test_actions_beyond_the_role_are_refused_with_403(world: World, client, role: str) -> None:
    client.force_login(_user(world, role))
    for name, permission, url in ACTIONS:
        if permission in GRANTS[role]:
            continue
        assert client.post(url(world), {}).status_code == 403, f"{role} could {name}"


def test_company_users_cannot_post_any_seller_action(world: World, client) -> None:
    client.force_login(world.p.carol)
    for name, _, url in ACTIONS:
        assert client.post(url(world), {}).status_code == 403, name


@pytest.mark.parametrize(
    "url",
    [
        "/seller/invoices/999999/", "/seller/orders/999999/", "/seller/payments/999999/", "/seller/customers/999999/",
        "/seller/invoices/999999/ubl", "/seller/invoices/999999/cii", "/seller/invoices/999999/facturx",
        "/seller/invoices/999999/xrechnung", "/seller/roles/999999/", "/seller/reports/nonsense.csv", "/seller/invoices/999999/issue",
        "/seller/customers/999999/statement.pdf", "/seller/customers/999999/statement.csv", "/seller/remittances/999999/",
        "/seller/remittances/999999/confirm", "/seller/customers/999999/einvoicing",
    ],
)  # fmt: skip
def test_unknown_ids_are_404(world: World, client, url: str) -> None:
    client.force_login(world.p.admin)
    method = client.post if url.endswith(("issue", "confirm", "einvoicing")) else client.get
    assert method(url).status_code == 404


def test_a_dispute_of_another_invoice_is_404(world: World, client) -> None:
    client.force_login(world.p.finance)
    url = reverse("seller:dispute_reject", args=[world.paid.pk, world.dispute.pk])
    assert client.post(url, {f"reject-{world.dispute.pk}-comment": "no"}).status_code == 404


def test_navigation_shows_only_what_the_role_allows(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(reverse("seller:home")).content.decode()
    nav = html.split('aria-label="Seller"')[1].split("</nav>")[0]
    for label in ("Orders", "Invoices", "Payments", "Remittances", "Customers"):
        assert f">{label}</a>" in nav
    for label in ("Reports", "Users", "Roles", "Settings"):
        assert f">{label}</a>" not in nav
    client.force_login(world.p.admin)
    nav = client.get(reverse("seller:home")).content.decode().split('aria-label="Seller"')[1].split("</nav>")[0]
    for label in ("Reports", "Users", "Roles", "Settings"):
        assert f">{label}</a>" in nav
