"""The Leitweg-ID of a German public customer: format and mod 97-10 check digits (KoSIT Formatspezifikation Leitweg-ID)."""

from __future__ import annotations

import pytest

from invoice_portal.companies.leitweg import check_leitweg_id, leitweg_check_digits
from invoice_portal.companies.services import company_create, company_update
from invoice_portal.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("04011000-1234512345-06", "04011000-1234512345-06"),  # KoSIT's example
        ("991-33333TEST-33", "991-33333TEST-33"),  # the XRechnung test suite's
        (" 991-33333test-33 ", "991-33333TEST-33"),  # letters count case-insensitively; kept upper case
        ("991-35", "991-35"),  # coarse address alone
        ("", ""),
    ],
)
def test_valid_leitweg_ids_are_accepted_and_cleaned(value: str, cleaned: str) -> None:
    assert check_leitweg_id(value) == cleaned


def test_the_check_digits_are_iso_7064_mod_97_10_over_coarse_and_fine_address() -> None:
    assert leitweg_check_digits("04011000", "1234512345") == "06"
    assert leitweg_check_digits("991", "33333TEST") == "33"
    for coarse, fine in (("12", ""), ("123456789012", "A" * 30), ("05315", "ABC-def".replace("-", ""))):
        value = "-".join(p for p in (coarse, fine, leitweg_check_digits(coarse, fine)) if p)
        assert check_leitweg_id(value) == value.upper()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("04011000-1234512345-07", "check digits .* are wrong"),  # one digit off
        ("04011000-1234512354-06", "check digits .* are wrong"),  # two digits swapped
        ("1-33", "not a Leitweg-ID"),  # coarse address shorter than 2 digits
        ("1234567890123-06", "not a Leitweg-ID"),  # longer than 12
        ("991-" + "A" * 31 + "-33", "not a Leitweg-ID"),  # fine address longer than 30
        ("991-333 33-33", "not a Leitweg-ID"),
        ("991-33333TEST-3", "not a Leitweg-ID"),  # one check digit
        ("991_33333TEST_33", "not a Leitweg-ID"),
        ("A91-33333TEST-33", "not a Leitweg-ID"),  # the coarse address is digits only
    ],
)
def test_malformed_ids_and_wrong_check_digits_are_refused_in_words(value: str, says: str) -> None:
    with pytest.raises(ValidationFailed, match=says) as refused:
        check_leitweg_id(value)
    assert refused.value.field == "leitweg_id"


@pytest.mark.django_db
def test_a_company_keeps_a_checked_leitweg_id_and_refuses_a_wrong_one_unchanged() -> None:
    company = company_create(actor=None, name="Stadt Musterhausen", leitweg_id="991-33333test-33")
    assert company.leitweg_id == "991-33333TEST-33"
    with pytest.raises(ValidationFailed, match="leitweg_id"):
        company_update(actor=None, company=company, leitweg_id="991-33333TEST-34")
    company.refresh_from_db()
    assert company.leitweg_id == "991-33333TEST-33"
