"""The seller and the buyer of an e-invoice, mapped from what the portal stores about them.

The seller is what the document's ``seller_snapshot`` says (the settings when it was issued; the
current settings for a document issued before snapshots). The settings keep the seller's country as a
code and the address as free text, read line by line: the first line is the street; a last line that
names a country ("DE", "Germany") gives the country code; the line before it (or the last one) is
"<postal code> <city>", "<city> <postal code>" or just the city; lines in between are the additional
street line. When no line names a country, the settings' country or else the two-letter prefix of the
seller's VAT id gives it (EU VAT ids start with their country code, "EL" for Greece). A buyer company
has structured fields; its country falls back to its VAT id prefix only — never to the seller's. A
received invoice turns the roles round: the supplier company is the seller (``company_party(…, seller=True)``)
and our settings are the buyer (``seller_party`` of the current settings, read as a party).

A tax id that looks like a VAT number (a country prefix other than US, then letters and digits) is
written as the VAT identifier (BT-31 / BT-48); any other (a US EIN, a Japanese registration number) as
the legal registration identifier (BT-30 / BT-47) and, for the seller, as its tax registration
identifier (BT-32: the seller's non-VAT tax number, which the VAT category rules accept).

The electronic address (BT-34 / BT-49) is the party's Peppol participant id (EAS scheme + id).

A legal registration id (BT-30 / BT-47) that is a national company registry number the Peppol national rules
name is written with its ICD scheme (``legal_scheme``): a Dutch KvK number (0106, 8 digits) or OIN (0190, 20
digits), a Danish CVR number (0184, "DK" and 8 digits), an Icelandic kennitala (0196, 10 digits), a Swedish
organisation number (0007, 10 digits with a Luhn check digit, as SE-R-003/004/013 want it); a prefix
("KvK 1234 5678", "CVR-nr. 12345678") is dropped. A Dutch, Danish or Icelandic party without such a tax id
but registered in Peppol under that registry has its participant id as legal id. A Danish seller with neither
has its CVR number read from its VAT id: a Danish VAT number is "DK" and the company's CVR number.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache

from babel import Locale

from invoice_portal.companies.models import Company
from invoice_portal.companies.peppol import scheme_check_ok


@dataclass(frozen=True)
class Address:
    street: str = ""
    additional_street: str = ""
    city: str = ""
    postal_zone: str = ""
    country: str = ""  # ISO 3166-1 alpha-2, or "" when unknown


@dataclass(frozen=True)
class Party:
    name: str
    address: Address
    vat_id: str = ""  # BT-31 / BT-48: a VAT number with its country prefix
    legal_id: str = ""  # BT-30 / BT-47: any other tax id (an EIN, a registration number)
    legal_scheme: str = ""  # its ICD scheme, when it is a national registry number (0106 KvK, 0184 CVR…)
    tax_registration_id: str = ""  # BT-32 (seller only): its non-VAT tax number
    identifier: str = ""  # BT-29 / BT-46: an id the other side knows the party by
    endpoint_scheme: str = ""  # BT-34 / BT-49 scheme: EAS code of the Peppol participant id
    endpoint_id: str = ""
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    account: str = ""  # BT-84 (seller only): the account customers pay into


_VAT_NUMBER = re.compile(r"^(?P<prefix>[A-Z]{2})\s?(?P<rest>[0-9A-Z+*.]{2,13})$")
_NOT_VAT_PREFIXES = {"US"}  # the United States have no VAT: "US 12-3456789" is an EIN


def vat_number(tax_id: str) -> str:
    """``tax_id`` as a VAT identifier ("DE 123456789" → "DE123456789"), or "" when it is not one."""
    match = _VAT_NUMBER.match(tax_id.strip())
    if not match or match["prefix"] in _NOT_VAT_PREFIXES or not any(c.isdigit() for c in match["rest"]):
        return ""
    if match["prefix"] != "EL" and not country_code(match["prefix"]):
        return ""
    return match["prefix"] + match["rest"]


def _tax_ids(tax_id: str, *, seller: bool = False) -> dict[str, str]:
    tax_id = tax_id.strip()
    if not tax_id:
        return {}
    vat = vat_number(tax_id)
    if vat:
        return {"vat_id": vat}
    return {"legal_id": tax_id, "tax_registration_id": tax_id} if seller else {"legal_id": tax_id}


# National company registries (ICD schemes) the Peppol national rules want a legal id under, by country:
# (scheme, the number as written in text after spaces, dots, dashes and a prefix are dropped, its written form).
_REGISTRIES = {
    "NL": (("0106", re.compile(r"^(?:KVK(?:NR|NUMMER)?:?)?(\d{8})$")), ("0190", re.compile(r"^(?:OIN:?)?(\d{20})$"))),
    "DK": (("0184", re.compile(r"^(?:CVR(?:NR)?:?)?(?:DK)?(\d{8})$")),),
    "IS": (("0196", re.compile(r"^(?:KT:?|KENNITALA:?)?(\d{10})$")),),
    "SE": (("0007", re.compile(r"^(?:ORGNR:?)?(\d{10})$")),),
}
_REGISTRY_PREFIX = {"0184": "DK"}  # Peppol writes a CVR number with its country (PEPPOL-COMMON-R042)


def registry_number(country: str, text: str) -> tuple[str, str]:
    """(number, ICD scheme) when ``text`` is a company registry number of ``country`` the Peppol national rules
    name ("KvK 1234 5678" in NL → ("12345678", "0106")); ("", "") when it is not one."""
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    for scheme, pattern in _REGISTRIES.get(country, ()):
        match = pattern.match(compact)
        number = _REGISTRY_PREFIX.get(scheme, "") + match[1] if match else ""
        if number and scheme_check_ok(scheme, number):
            return number, scheme
    return "", ""


def _legal_entity(party: Party, *, seller: bool) -> Party:
    """``party`` with its legal id under its registry's scheme, where it is one (see the module's docstring)."""
    country = party.address.country
    if party.legal_id:
        number, scheme = registry_number(country, party.legal_id)
        return dataclasses.replace(party, legal_id=number, legal_scheme=scheme) if scheme else party
    schemes = {scheme for scheme, _ in _REGISTRIES.get(country, ())}
    if party.endpoint_scheme in schemes:
        number, scheme = registry_number(country, party.endpoint_id)
        if scheme == party.endpoint_scheme:
            return dataclasses.replace(party, legal_id=number, legal_scheme=scheme)
    if seller and country == "DK" and re.fullmatch(r"DK\d{8}", party.vat_id):
        return dataclasses.replace(party, legal_id=party.vat_id, legal_scheme="0184")
    return party


# CLDR territories that are not ISO 3166-1 countries (exceptional reservations, groupings, test codes).
_NOT_ISO_3166 = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}


@cache
def _countries() -> dict[str, str]:
    """Country names and codes (upper-cased) to ISO 3166-1 alpha-2 codes."""
    known: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_3166:
            known[code.upper()] = code
            known[name.upper()] = code
    known.update({"UK": "GB", "USA": "US", "UNITED STATES OF AMERICA": "US", "EL": "GR"})
    return known


def country_code(text: str) -> str:
    """The ISO code a line of text names ("Germany", "DE", "de"), or ""."""
    return _countries().get(text.strip().rstrip(".").upper(), "")


def country_of_tax_id(tax_id: str) -> str:
    """The country an EU-style VAT id starts with ("DE123456789" → "DE"), or ""."""
    prefix = tax_id.strip()[:2]
    return country_code(prefix) if len(prefix) == 2 and prefix.isalpha() and prefix.isupper() else ""


_ZONE_FIRST = re.compile(r"^(?P<zone>[A-Z]{0,2}-?\d[\dA-Z\- ]{1,8}?)\s+(?P<city>\D.*)$")
_ZONE_LAST = re.compile(r"^(?P<city>.*?\D)\s+(?P<zone>\d[\d\-]{2,9})$")


def _city_line(text: str) -> tuple[str, str]:
    """(postal zone, city) of "10115 Berlin", "Springfield, IL 62701" (the state stays with the city) or "London"."""
    for pattern in (_ZONE_FIRST, _ZONE_LAST):
        match = pattern.match(text)
        if match:
            return match["zone"].strip(), match["city"].strip()
    return "", text


def address_from_text(text: str, *, tax_id: str = "") -> Address:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    country = country_code(lines[-1]) if lines else ""
    if country:
        lines.pop()
    country = country or country_of_tax_id(tax_id)
    if not lines:
        return Address(country=country)
    street, rest = lines[0], lines[1:]
    zone, city = _city_line(rest[-1]) if rest else ("", "")
    return Address(street=street, additional_street=", ".join(rest[:-1]), city=city, postal_zone=zone, country=country)


def seller_party(seller: dict[str, str]) -> Party:
    """The seller of a document from its snapshot (``invoices.seller.seller_of``)."""
    address = address_from_text(seller["seller_address"], tax_id=seller["seller_tax_id"])
    if seller["seller_country"]:  # the settings' own field wins over what the address text suggests
        address = dataclasses.replace(address, country=seller["seller_country"].upper())
    party = Party(
        name=seller["seller_name"].strip(),
        address=address,
        endpoint_scheme=seller["seller_peppol_scheme"],
        endpoint_id=seller["seller_peppol_id"],
        contact_name=seller["seller_contact_name"].strip(),
        email=seller["seller_email"].strip(),
        phone=seller["seller_phone"].strip(),
        account=seller["seller_iban"].strip(),
        **_tax_ids(seller["seller_tax_id"], seller=True),
    )
    return _legal_entity(party, seller=True)


def buyer_party(company: Company) -> Party:
    """The customer of an issued document."""
    return company_party(company)


def company_party(company: Company, *, seller: bool = False) -> Party:
    """A company from its structured fields: our customer (the buyer) or, with ``seller``, a supplier whose
    invoice we received (then a non-VAT tax id is also its tax registration id, BT-32)."""
    country = (company.country or "").strip().upper() or country_of_tax_id(vat_number(company.tax_id))
    address = Address(
        street=company.address_line1.strip(),
        additional_street=company.address_line2.strip(),
        city=company.city.strip(),
        postal_zone=company.postal_code.strip(),
        country=country,
    )
    party = Party(
        name=company.name.strip(),
        address=address,
        identifier=(company.external_id or "").strip(),
        endpoint_scheme=company.peppol_scheme,
        endpoint_id=company.peppol_id,
        email=company.email.strip(),
        phone=company.phone.strip(),
        **_tax_ids(company.tax_id, seller=seller),
    )
    return _legal_entity(party, seller=seller)
