"""Sending, reminding and holding from the invoice page and the dashboard; the email log."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.urls import reverse

from invoice_portal.accounts.models import Role
from invoice_portal.invoices.models import Invoice
from invoice_portal.notifications.models import Message, MessageKind, MessageStatus
from invoice_portal.seller.tests.conftest import World


def _kinds(invoice: Invoice) -> list[str]:
    return list(Message.objects.filter(invoice=invoice).order_by("pk").values_list("kind", flat=True))


def test_sales_emails_an_invoice_and_the_page_lists_it(world: World, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.p.sales)
    before = _kinds(world.open)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("seller:invoice_send", args=[world.open.pk]), follow=True)
    assert "is on its way to bob@acme.test, carol@acme.test" in response.content.decode()
    assert _kinds(world.open) == [*before, MessageKind.INVOICE]
    assert mail.outbox[-1].attachments[0][0] == f"{world.open.number}.pdf"
    page = client.get(reverse("seller:invoice_detail", args=[world.open.pk])).content.decode()
    assert "Emails" in page
    assert "Invoice sent" in page
    assert "Sent" in page


def test_a_reminder_for_a_disputed_invoice_is_refused_with_the_reason(world: World, login: Any) -> None:
    client = login(world.p.sales)
    response = client.post(reverse("seller:invoice_remind", args=[world.open.pk]), follow=True)  # world.open has an open dispute
    assert "No reminder sent" in response.content.decode()
    assert "open dispute" in response.content.decode()
    assert MessageKind.REMINDER not in _kinds(world.open)
    page = client.get(reverse("seller:invoice_detail", args=[world.open.pk])).content.decode()
    assert "No reminders: " in page
    assert "has an open dispute; reminders wait until it is resolved" in page
    assert "Send reminder" not in page


def test_finance_puts_an_invoice_on_hold_which_stops_reminders_until_released(world: World, login: Any) -> None:
    client = login(world.p.finance)
    url = reverse("seller:invoice_hold", args=[world.overdue.pk])
    refused = client.post(url, {"hold-reason": ""})
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    client.post(url, {"hold-reason": "Payment plan agreed until March"})
    world.overdue.refresh_from_db()
    assert world.overdue.on_hold
    assert world.overdue.hold_reason == "Payment plan agreed until March"
    response = client.post(reverse("seller:invoice_remind", args=[world.overdue.pk]), follow=True)
    assert "is on hold" in response.content.decode()
    home = client.get(reverse("seller:home")).content.decode()
    assert "On hold" in home
    assert "?on_hold=yes" in home
    held = client.get(reverse("seller:invoices") + "?on_hold=yes").content.decode()
    assert str(world.overdue.number) in held
    assert str(world.partial.number) not in held
    client.post(url, {"release": "1"})
    world.overdue.refresh_from_db()
    assert not world.overdue.on_hold
    client.post(reverse("seller:invoice_remind", args=[world.overdue.pk]))
    assert _kinds(world.overdue)[-1] == MessageKind.REMINDER


def test_sales_cannot_hold_and_sees_no_hold_form(world: World, login: Any) -> None:
    client = login(world.p.sales)
    assert client.post(reverse("seller:invoice_hold", args=[world.overdue.pk]), {"hold-reason": "x"}).status_code == 403
    assert "Put on hold" not in client.get(reverse("seller:invoice_detail", args=[world.overdue.pk])).content.decode()


def test_bulk_remind_reminds_the_unpaid_and_names_each_refusal(world: World, login: Any) -> None:
    client = login(world.p.sales)
    ticked = [world.overdue, world.partial, world.paid, world.open]
    response = client.post(
        reverse("seller:invoices_bulk"),
        {"action": "remind", "invoice": [str(i.pk) for i in ticked], "next": "/seller/invoices/"},
        follow=True,
    )
    html = response.content.decode()
    assert "Reminders queued for 2" in html
    assert f"{world.paid.number}: {world.paid.number} is paid; only unpaid invoices are reminded." in html
    assert "open dispute" in html
    assert _kinds(world.overdue)[-1] == MessageKind.REMINDER
    assert _kinds(world.partial)[-1] == MessageKind.REMINDER
    assert MessageKind.REMINDER not in _kinds(world.paid)


def test_bulk_send_needs_the_send_permission_and_skips_drafts(world: World, login: Any) -> None:
    client = login(world.p.sales)
    response = client.post(
        reverse("seller:invoices_bulk"), {"action": "send", "invoice": [str(world.paid.pk), str(world.draft.pk)]}, follow=True
    )
    assert "Sent 1" in response.content.decode()
    assert "only issued documents are sent" in response.content.decode()
    from invoice_portal.accounts.services import role_set_permission

    role_set_permission(actor=world.p.admin, role=Role.objects.get(code="sales"), permission="invoices.send", enabled=False)
    assert client.post(reverse("seller:invoices_bulk"), {"action": "send", "invoice": [str(world.paid.pk)]}).status_code == 403
    assert (
        client.post(reverse("seller:invoices_bulk"), {"action": "explode", "invoice": [str(world.paid.pk)]}, follow=True).status_code == 200
    )


def test_the_email_log_filters_and_retries_a_failed_message(world: World, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    message = Message.objects.filter(invoice=world.open, kind=MessageKind.INVOICE).first()
    assert message is not None
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, last_error="mail server said 451")
    client = login(world.p.finance)
    page = client.get(reverse("seller:messages") + "?status=failed").content.decode()
    assert "mail server said 451" in page
    assert "Send again" in page
    assert "<td>Payment receipt</td>" not in page  # only failed ones listed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("seller:message_retry", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert client.post(reverse("seller:message_retry", args=[999999])).status_code == 404


def test_company_users_cannot_see_the_email_log(world: World, login: Any) -> None:
    assert login(world.p.carol).get(reverse("seller:messages")).status_code in (302, 403)
