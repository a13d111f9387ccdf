"""The logo in settings: checked by its content, stored under MEDIA_ROOT, shown to seller staff, printed on PDFs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.pdf import invoice_cache_key, invoice_pdf
from invoice_portal.seller.services import LOGO_MAX_BYTES
from invoice_portal.seller.tests.conftest import World

URL = "/seller/settings/"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 95, 191)).save(buffer, fmt)
    return buffer.getvalue()


def settings_data(client: Any, **changes: Any) -> dict[str, Any]:
    """The settings form as it is now, with ``changes``: what a person posts after choosing a file."""
    return {**client.get(URL).context["form"].initial, **changes}


def upload(content: bytes, name: str = "logo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def logo_name() -> str:
    return portal_settings().logo.name or ""


def pdf_images(content: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)


def branding_files(media_root: Path) -> list[str]:
    folder = media_root / "branding"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_png_logo_is_stored_shown_and_printed_on_invoices(world: World, client, settings) -> None:
    key_before = invoice_cache_key(world.open)
    assert pdf_images(invoice_pdf(world.open).content) == 0
    client.force_login(world.p.admin)
    png = image_bytes()
    response = client.post(URL, settings_data(client, logo=upload(png)))
    assert response.status_code == 302
    logo = logo_name()
    assert logo.startswith("branding/logo-")
    assert logo.endswith(".png")
    assert (Path(settings.MEDIA_ROOT) / logo).read_bytes() == png
    page = client.get(URL).content.decode()
    assert reverse("seller:settings_logo") in page
    served = client.get(reverse("seller:settings_logo"))
    assert (served.status_code, served["Content-Type"], served.content) == (200, "image/png", png)
    # The cached PDF of the invoice is stale now: a new key, and the new render carries the logo.
    assert invoice_cache_key(world.open) != key_before
    rendered = invoice_pdf(world.open)
    assert not rendered.from_cache
    assert pdf_images(rendered.content) == 1
    event = AuditEvent.objects.get(action="settings.logo")
    assert event.after is not None
    assert (event.actor, event.after["logo"], event.after["filename"]) == (world.p.admin, logo, "logo.png")


def test_a_jpeg_logo_is_accepted_and_replacing_it_removes_the_old_file(
    world: World, client, settings, django_capture_on_commit_callbacks
) -> None:
    client.force_login(world.p.admin)
    client.post(URL, settings_data(client, logo=upload(image_bytes())))
    first = logo_name()
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the change is committed
        client.post(URL, settings_data(client, logo=upload(image_bytes("JPEG"), "photo.jpeg", "image/jpeg")))
    second = logo_name()
    assert second.endswith(".jpg")
    assert branding_files(Path(settings.MEDIA_ROOT)) == [Path(second).name]
    assert first != second


def test_the_statement_pdf_carries_the_logo(world: World, client) -> None:
    client.force_login(world.p.admin)
    client.post(URL, settings_data(client, logo=upload(image_bytes())))
    pdf = client.get(reverse("seller:customer_statement_pdf", args=[world.p.acme.pk]))
    assert pdf.status_code == 200
    assert pdf_images(pdf.content) == 1


def test_removing_the_logo(world: World, client, settings, django_capture_on_commit_callbacks) -> None:
    client.force_login(world.p.admin)
    client.post(URL, settings_data(client, logo=upload(image_bytes())))
    assert 'name="remove_logo"' in client.get(URL).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, settings_data(client, remove_logo="on")).status_code == 302
    assert not portal_settings().logo
    assert branding_files(Path(settings.MEDIA_ROOT)) == []
    assert client.get(reverse("seller:settings_logo")).status_code == 404
    assert pdf_images(invoice_pdf(world.open).content) == 0


def _refused(world: World, client, settings, file: SimpleUploadedFile, message: str) -> None:
    """The upload is a form error, and neither the logo nor the rest of the form was saved."""
    client.force_login(world.p.admin)
    response = client.post(URL, settings_data(client, seller_name="Renamed Ltd.", logo=file))
    assert response.status_code == 200
    assert message in response.context["form"].errors["logo"][0]
    current = portal_settings()
    assert not current.logo
    assert current.seller_name != "Renamed Ltd."
    assert branding_files(Path(settings.MEDIA_ROOT)) == []
    assert not AuditEvent.objects.filter(action__startswith="settings.").exists()


def test_a_text_file_named_png_is_refused(world: World, client, settings) -> None:
    _refused(world, client, settings, upload(b"just some text, not a picture"), "only PNG or JPEG")


def test_a_file_that_starts_like_a_png_but_is_not_one_is_refused(world: World, client, settings) -> None:
    _refused(world, client, settings, upload(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20), "not a readable PNG image")


def test_an_svg_is_refused(world: World, client, settings) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _refused(world, client, settings, upload(svg, "logo.svg", "image/svg+xml"), "only PNG or JPEG")


def test_a_logo_over_one_megabyte_is_refused(world: World, client, settings) -> None:
    big = image_bytes() + b"\0" * LOGO_MAX_BYTES
    _refused(world, client, settings, upload(big), "larger than 1 MB")


def test_a_huge_picture_is_refused(world: World, client, settings) -> None:
    _refused(world, client, settings, upload(image_bytes(size=(5000, 10))), "at most 4000 on each side")


def test_choosing_a_file_and_remove_together_is_a_form_error(world: World, client) -> None:
    client.force_login(world.p.admin)
    response = client.post(URL, settings_data(client, logo=upload(image_bytes()), remove_logo="on"))
    assert "not both" in response.content.decode()
    assert not portal_settings().logo


def test_only_admins_change_the_logo_and_only_seller_staff_see_it(world: World, client) -> None:
    client.force_login(world.p.admin)
    client.post(URL, settings_data(client, logo=upload(image_bytes())))
    logo = logo_name()
    client.force_login(world.p.finance)
    assert client.post(URL, {"seller_name": "X", "logo": upload(image_bytes("JPEG"))}).status_code == 403
    assert logo_name() == logo
    assert client.get(reverse("seller:settings_logo")).status_code == 200  # seller staff see their own logo
    client.force_login(world.p.bob)
    assert client.get(reverse("seller:settings_logo")).status_code == 403
    client.logout()
    response = client.get(reverse("seller:settings_logo"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_good_logo_with_a_bad_setting_saves_neither(world: World, client, settings) -> None:
    client.force_login(world.p.admin)
    response = client.post(URL, settings_data(client, invoice_number_format="INV-{year}", logo=upload(image_bytes())))
    assert "include {seq}" in response.content.decode()
    assert not portal_settings().logo
    assert branding_files(Path(settings.MEDIA_ROOT)) == []


def test_the_default_payment_instruction_is_saved_audited_and_printed_on_invoices_without_their_own(world: World, client) -> None:
    from invoice_portal.core.settings_store import portal_settings

    client.force_login(world.p.admin)
    bank = "First Demo Bank\nIBAN DE02 1203 0000 0000 2020 51"
    response = client.post(URL, settings_data(client, payment_instruction=bank + "\n  "))
    assert response.status_code == 302
    assert portal_settings().payment_instruction == bank
    assert client.get(URL).context["form"].initial["payment_instruction"] == bank
    event = AuditEvent.objects.get(action="settings.billing")
    assert (event.actor, event.after) == (world.p.admin, {"payment_instruction": bank})
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(invoice_pdf(world.open).content)).pages)
    assert "IBAN DE02 1203 0000 0000 2020 51" in text
    too_long = client.post(URL, settings_data(client, payment_instruction="x" * 2001))
    assert too_long.status_code == 200
    assert too_long.context["form"].errors["payment_instruction"]
