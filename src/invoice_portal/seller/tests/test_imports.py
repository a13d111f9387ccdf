"""Import with preview in the seller app: the dry run's errors row by row, then the import; who may and who may not."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.tests.helpers import csv_text, payment_row
from invoice_portal.payments.models import Payment
from invoice_portal.seller.tests.conftest import World

GOOD = csv_text([payment_row(external_id="PAY-UI-1", amount="1,250.00"), payment_row(external_id="PAY-UI-2", amount="10.00")])
BAD = csv_text([payment_row(external_id="PAY-UI-3", amount="1e9"), payment_row(external_id="PAY-UI-4", company="NOBODY")])


def _upload(client, text: str, kind: str = "payments", name: str = "payments.csv"):
    return client.post(reverse("seller:imports"), {"kind": kind, "file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def test_finance_checks_a_file_sees_nothing_written_then_imports_it(world: World, client) -> None:
    client.force_login(world.p.finance)
    checked = _upload(client, GOOD)
    dry = ImportBatch.objects.get(filename="payments.csv", dry_run=True)
    assert checked["Location"] == reverse("seller:import_detail", args=[dry.pk])
    page = client.get(checked["Location"]).content.decode()
    assert "Every row is valid. Nothing has been written yet." in page
    assert not Payment.objects.filter(external_id__startswith="PAY-UI-").exists()
    done = client.post(reverse("seller:import_commit", args=[dry.pk]))
    real = ImportBatch.objects.get(filename="payments.csv", dry_run=False)
    assert done["Location"] == reverse("seller:import_detail", args=[real.pk])
    assert Payment.objects.get(external_id="PAY-UI-1").amount == Decimal("1250.00")
    assert "Imported" in client.get(done["Location"]).content.decode()


def test_the_dry_run_lists_each_rows_problem_in_words_and_offers_no_import(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.get(_upload(client, BAD)["Location"])
    html = response.content.decode()
    assert "nothing was written" in html
    assert "scientific notation" in html
    assert "NOBODY" in html
    assert "Import these" not in html
    batch = response.context["batch"]
    refused = client.post(reverse("seller:import_commit", args=[batch.pk]), follow=True)
    assert "Only a dry run without errors can be imported." in refused.content.decode()
    assert not Payment.objects.filter(external_id__startswith="PAY-UI-").exists()


def test_a_user_without_the_kinds_permission_may_not_import_it(world: World, client) -> None:
    client.force_login(world.p.sales)  # no payments.record
    assert _upload(client, GOOD).status_code == 403
    assert not ImportBatch.objects.exists()


def test_nobody_sees_another_users_import(world: World, client) -> None:
    client.force_login(world.p.finance)
    location = _upload(client, GOOD)["Location"]
    client.force_login(world.p.sales)
    assert client.get(location).status_code == 404
    client.force_login(world.p.bob)
    assert client.get(location).status_code == 403


def test_a_large_file_runs_on_the_worker_and_the_page_polls_its_progress(world: World, client, monkeypatch) -> None:
    monkeypatch.setattr("invoice_portal.seller.views.imports.SYNC_MAX_ROWS", 1)
    client.force_login(world.p.finance)
    location = _upload(client, GOOD)["Location"]  # two rows: more than the one run at once
    html = client.get(location).content.decode()
    assert '<progress id="import-progress" max="100" value="0">' in html
    assert 'hx-trigger="every 1s"' in html
    partial = client.get(location, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert "import-progress" in partial
