"""Administration: users, roles and permissions (effective on the next request), settings."""

from __future__ import annotations

from django.urls import reverse

from invoice_portal.accounts.models import Role, RoleGrant, User
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.seller.tests.conftest import World


def test_admin_adds_a_seller_user(world: World, client) -> None:
    client.force_login(world.p.admin)
    role = Role.objects.get(code="sales")
    data = {"email": "new.clerk@demo.test", "full_name": "New Clerk", "role": role.pk, "company": "", "password": "a-long-passphrase-1"}
    response = client.post("/seller/users/", data)
    assert response.status_code == 302
    user = User.objects.get(email="new.clerk@demo.test")
    assert user.role == role
    assert user.company is None
    assert user.check_password("a-long-passphrase-1")


def test_admin_adds_a_company_user_by_external_id(world: World, client) -> None:
    client.force_login(world.p.admin)
    data = {
        "email": "ap2@acme.test",
        "role": Role.objects.get(code="accounts_payable").pk,
        "company": "ACME",
        "password": "a-long-passphrase-1",
    }
    client.post("/seller/users/", data)
    assert User.objects.get(email="ap2@acme.test").company == world.p.acme


def test_adding_a_user_reports_errors_and_writes_nothing(world: World, client) -> None:
    client.force_login(world.p.admin)
    before = User.objects.count()
    sales = Role.objects.get(code="sales").pk
    cases = [
        ({"email": "sales@demo.test", "role": sales, "password": "a-long-passphrase-1"}, "exists already"),
        ({"email": "x@demo.test", "role": sales, "company": "NOPE", "password": "a-long-passphrase-1"}, "No company"),
        ({"email": "y@demo.test", "role": sales, "company": "ACME", "password": "a-long-passphrase-1"}, "not company users"),
        ({"email": "z@demo.test", "role": sales, "password": "short"}, "at least 10 characters"),
    ]
    for data, message in cases:
        assert message in client.post("/seller/users/", data).content.decode(), message
    assert User.objects.count() == before


def test_deactivating_a_user_locks_them_out_and_admin_cannot_deactivate_self(world: World, client) -> None:
    client.force_login(world.p.admin)
    client.post(reverse("seller:user_active", args=[world.p.sales.pk]), {"active": "0"})
    world.p.sales.refresh_from_db()
    assert not world.p.sales.is_active
    response = client.post(reverse("seller:user_active", args=[world.p.admin.pk]), {"active": "0"}, follow=True)
    assert "cannot deactivate yourself" in response.content.decode()


def test_changing_a_users_role(world: World, client) -> None:
    client.force_login(world.p.admin)
    client.post(reverse("seller:user_role", args=[world.p.sales.pk]), {"role": Role.objects.get(code="finance").pk})
    world.p.sales.refresh_from_db()
    assert world.p.sales.role is not None
    assert world.p.sales.role.code == "finance"
    response = client.post(reverse("seller:user_role", args=[world.p.sales.pk]), {"role": Role.objects.get(code="buyer").pk}, follow=True)
    assert "does not fit" in response.content.decode()


def test_switching_off_delete_for_sales_takes_effect_on_the_next_request(world: World, client) -> None:
    sales_role = Role.objects.get(code="sales")
    client.force_login(world.p.sales)
    assert "Delete draft" in client.get(reverse("seller:invoice_detail", args=[world.draft.pk])).content.decode()
    client.force_login(world.p.admin)
    client.post(reverse("seller:role_detail", args=[sales_role.pk]), {"permission": "invoices.delete", "enabled": "0"})
    assert not RoleGrant.objects.filter(role=sales_role, permission="invoices.delete").exists()
    client.force_login(world.p.sales)
    assert "Delete draft" not in client.get(reverse("seller:invoice_detail", args=[world.draft.pk])).content.decode()
    assert client.post(reverse("seller:invoice_delete", args=[world.draft.pk])).status_code == 403


def test_buyer_permissions_are_switched_on_at_a_level(world: World, client) -> None:
    buyer = Role.objects.get(code="buyer")
    client.force_login(world.p.admin)
    client.post(reverse("seller:role_detail", args=[buyer.pk]), {"permission": "portal.users", "enabled": "1", "level": "company"})
    assert RoleGrant.objects.get(role=buyer, permission="portal.users").level == "company"
    response = client.post(reverse("seller:role_detail", args=[buyer.pk]), {"permission": "orders.view", "enabled": "1"}, follow=True)
    assert "is a seller permission" in response.content.decode()


def test_admin_adds_a_role(world: World, client) -> None:
    client.force_login(world.p.admin)
    response = client.post("/seller/roles/", {"name": "Collections", "code": "collections", "audience": "seller"})
    role = Role.objects.get(code="collections")
    assert response["Location"] == reverse("seller:role_detail", args=[role.pk])
    assert (
        "exists already" in client.post("/seller/roles/", {"name": "Again", "code": "collections", "audience": "seller"}).content.decode()
    )


def test_settings_are_saved_and_bad_values_refused(world: World, client) -> None:
    client.force_login(world.p.admin)
    form = client.get("/seller/settings/").context["form"]
    data = {**form.initial, "seller_name": "Acme Supplies", "invoices_per_order": "many", "invoice_number_format": "F{year}/{seq:05d}"}
    assert client.post("/seller/settings/", data).status_code == 302
    settings = portal_settings()
    assert settings.seller_name == "Acme Supplies"
    assert settings.invoices_per_order == "many"
    response = client.post("/seller/settings/", {**data, "invoice_number_format": "INV-{year}"})
    assert "include {seq}" in response.content.decode()
    response = client.post("/seller/settings/", {**data, "default_currency": "XXQ"})
    assert "ISO 4217" in response.content.decode()
    assert portal_settings().invoice_number_format == "F{year}/{seq:05d}"


def test_the_settings_change_is_audited(world: World, client) -> None:
    from invoice_portal.audit.models import AuditEvent

    client.force_login(world.p.admin)
    data = {**client.get("/seller/settings/").context["form"].initial, "seller_tax_id": "US-99"}
    client.post("/seller/settings/", data)
    event = AuditEvent.objects.get(action="settings.update")
    assert event.actor == world.p.admin
    assert event.after is not None
    assert event.after["seller_tax_id"] == "US-99"


def test_the_reminder_schedule_and_email_switches_are_set_on_the_settings_page(world: World, client) -> None:
    from invoice_portal.notifications.selectors import notification_settings

    client.force_login(world.p.admin)
    form = client.get("/seller/settings/").context["form"]
    assert form.initial["reminder_offsets"] == "-3, 1, 7, 14"
    data = {**form.initial, "reminder_offsets": "-5, 10, 30", "payment_receipts": ""}
    assert client.post("/seller/settings/", data).status_code == 302
    saved = notification_settings()
    assert saved.reminder_offsets == [-5, 10, 30]
    assert not saved.payment_receipts
    assert saved.email_on_issue
    refused = client.post("/seller/settings/", {**data, "reminder_offsets": "soon", "seller_name": "Renamed Ltd"})
    assert refused.status_code == 200
    assert "&#x27;soon&#x27; is not a whole number of days" in refused.content.decode()
    assert notification_settings().reminder_offsets == [-5, 10, 30]
    assert portal_settings().seller_name != "Renamed Ltd"  # one form, saved together or not at all


def test_the_seller_country_and_peppol_id_are_checked_and_go_into_e_invoices_issued_after(world: World, client) -> None:
    from invoice_portal.companies.models import Company
    from invoice_portal.documents.einvoice.ubl import invoice_ubl
    from invoice_portal.documents.einvoice.validation import fatal, validate_ubl
    from invoice_portal.testing import make_invoice

    client.force_login(world.p.admin)
    data = {**client.get("/seller/settings/").context["form"].initial, "seller_country": "XQ"}
    refused = client.post("/seller/settings/", data)
    assert "not a two-letter ISO country code" in refused.content.decode()
    assert portal_settings().seller_country == "US"  # unchanged
    refused = client.post(
        "/seller/settings/", {**data, "seller_country": "DE", "seller_peppol_scheme": "EM", "seller_peppol_id": "a@b.test"}
    )
    assert "&#x27;EM&#x27; is not a scheme of the Peppol EAS code list" in refused.content.decode()
    refused = client.post(
        "/seller/settings/", {**data, "seller_country": "DE", "seller_peppol_scheme": "0088", "seller_peppol_id": "0614141000013"}
    )
    assert "fails the GS1 check digit of scheme 0088" in refused.content.decode()
    assert portal_settings().seller_peppol_id == "0614141000012"
    client.post(
        "/seller/settings/",
        {**data, "seller_country": "de", "seller_address": "Unter den Linden 1\n10117 Berlin", "seller_tax_id": "DE123456789",
         "seller_peppol_scheme": "9930", "seller_peppol_id": "DE123456789", "seller_contact_name": "Billing",
         "seller_phone": "+49 30 1", "seller_iban": "DE02 1203 0000 0000 2020 51"},
    )  # fmt: skip
    saved = portal_settings()
    assert (saved.seller_country, saved.seller_peppol_scheme, saved.seller_peppol_id) == ("DE", "9930", "DE123456789")
    assert saved.seller_iban == "DE02120300000000202051"
    Company.objects.filter(pk=world.p.acme.pk).update(peppol_scheme="0088", peppol_id="0614141000029", country="US")
    xml = invoice_ubl(make_invoice(company=world.p.acme))
    assert b"<cbc:IdentificationCode>DE</cbc:IdentificationCode>" in xml
    assert fatal(validate_ubl(xml)) == []
    # A document issued before keeps the seller it was issued with: its e-invoice is unchanged.
    before = invoice_ubl(world.open)
    assert b"Unter den Linden" not in before
    assert b'<cbc:EndpointID schemeID="0088">0614141000012</cbc:EndpointID>' in before
