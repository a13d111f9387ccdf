"""Peppol participant ids and the preferred e-invoice format of a company: checked against the EAS code list
and the schemes' check digits, on the service and through the API."""

from __future__ import annotations

import pytest

from invoice_portal.companies.models import Company
from invoice_portal.companies.peppol import PEPPOL_EAS, check_participant_id
from invoice_portal.companies.services import company_create, company_update
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.documents.einvoice.validation import UBL_SCHEMATRON
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scheme", "identifier"),
    [("0088", "7300010000001"), ("0208", "0123456749"), ("0192", "987654325"), ("9930", "DE811907634"), ("0221", "T1234567890123"),
     ("0060", "123456789"), ("9944", "NL123456789B01"), ("0007", "5567321707"), ("0151", "51824753556"), ("0198", "DK12345678"),
     ("0184", "DK12345678"), ("0096", "1234567890"), ("0245", "123456"), ("9933", "EL094259216")],
)  # fmt: skip
def test_participant_ids_of_known_schemes_with_right_check_digits_are_accepted(scheme: str, identifier: str) -> None:
    assert check_participant_id(f" {scheme} ", f" {identifier} ") == (scheme, identifier)


@pytest.mark.parametrize(
    ("scheme", "identifier", "message"),
    [
        ("EM", "billing@example.test", "not a scheme of the Peppol EAS code list"),
        ("1234", "x", "not a scheme of the Peppol EAS code list"),
        ("0088", "7300010000002", "fails the GS1 check digit"),
        ("0088", "73000100000", "13 digits"),
        ("0208", "0123456748", "fails the mod-97 check"),
        ("0192", "987654321", "fails the mod-11 check digit"),
        ("9930", "FR12345678901", "a VAT number starting with DE"),
        ("0088", "", "give the participant id"),
        ("", "7300010000001", "give the EAS scheme"),
        ("0060", "12 34", "characters a Peppol participant id cannot have"),
        # Peppol's own checks (PEPPOL-COMMON-R049, R050, R053, R056) and its narrower scheme list (PEPPOL-EN16931-CL008).
        ("0007", "5567321708", "fails the Luhn check digit"),
        ("0151", "12345678901", "fails the ABN check"),
        ("0198", "12345678", '"DK" and 8 digits'),
        ("0184", "12345678", '"DK" and 8 digits'),  # a CVR number carries "DK" in Peppol (PEPPOL-COMMON-R042)
        ("9944", "NL123", '"NL", 9 digits, "B" and 2 digits'),
        ("0220", "123456", "not a scheme of the Peppol EAS code list"),
        ("0219", "123456", "not a scheme of the Peppol EAS code list"),
    ],
)
def test_wrong_participant_ids_are_refused_with_the_reason(scheme: str, identifier: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        check_participant_id(scheme, identifier)


def test_every_peppol_scheme_is_one_the_en16931_rules_accept() -> None:
    """BR-CL-25's list in CEN's schematron: a scheme we accept never fails the official validation."""
    artifact = UBL_SCHEMATRON.read_text(encoding="utf-8")
    start = artifact.index('<xsl:attribute name="id">BR-CL-25</xsl:attribute>')
    listed = artifact.rfind("contains(' ", 0, start)
    codes = set(artifact[listed + len("contains(' ") : artifact.index("'", listed + len("contains(' "))].split())
    assert codes >= PEPPOL_EAS
    assert "EM" in codes  # EN 16931 allows e-mail addresses; Peppol does not, and neither do we
    assert "EM" not in PEPPOL_EAS


def test_a_company_keeps_a_checked_participant_id_and_a_format(personas: Personas) -> None:
    company = company_create(actor=None, name="Peppol Co", peppol_scheme="0088", peppol_id="7300010000001", einvoice_format="peppol_ubl")
    assert (company.peppol_scheme, company.peppol_id, company.einvoice_format) == ("0088", "7300010000001", "peppol_ubl")
    with pytest.raises(ValidationFailed, match="GS1 check digit"):
        company_update(actor=None, company=company, peppol_id="7300010000002")
    with pytest.raises(ValidationFailed, match="needs its Peppol participant id"):
        company_update(actor=None, company=company, peppol_scheme="", peppol_id="")
    with pytest.raises(ValidationFailed, match="einvoice_format"):
        company_update(actor=None, company=company, einvoice_format="fax")
    company.refresh_from_db()
    assert company.peppol_id == "7300010000001"


def test_the_database_refuses_half_a_participant_id(personas: Personas) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.filter(pk=personas.acme.pk).update(peppol_scheme="0088")
