"""The seller and the buyer of an e-invoice, mapped from what the portal stores about them.

The operator's settings keep the seller's country as a code and the address as free text, read line by line:
the first line is the street; a last line that names a country ("DE", "Germany") gives the
country code; the line before it (or the last one) is "<postal code> <city>", "<city> <postal
code>" or just the city; lines in between are the additional street line. When no line names
a country, the settings' country or else the two-letter prefix of the seller's VAT id gives it (EU VAT ids start with their
country code, "EL" for Greece). A buyer company has structured fields; its country falls back
in the same way to its VAT id prefix and then to the seller's country.

A tax id that starts with a country code is written as the VAT identifier; any other (a US EIN,
a local registration number) as the legal registration identifier, so no document claims a VAT
id that is not one.

What the portal does not store is left out rather than invented: a Peppol participant id
(the electronic address is the billing email, scheme "EM", when there is one) and the seller's
country when neither address nor VAT id says it — ``ubl_check`` then names the missing element
(BR-09, BR-11).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache

from babel import Locale

from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings


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
    vat_id: str = ""  # BT-31 / BT-48: a tax id that starts with a country code
    legal_id: str = ""  # BT-30 / BT-47: any other tax id (an EIN, a registration number)
    identifier: str = ""  # BT-29 / BT-46: an id the other side knows the party by
    email: str = ""
    phone: str = ""


def _tax_ids(tax_id: str) -> dict[str, str]:
    tax_id = tax_id.strip()
    return {"vat_id": tax_id} if country_of_tax_id(tax_id) else {"legal_id": tax_id}


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


def seller_party(settings: PortalSettings) -> Party:
    address = address_from_text(settings.seller_address, tax_id=settings.seller_tax_id)
    if settings.seller_country:  # the settings' own field wins over what the address text suggests
        address = dataclasses.replace(address, country=settings.seller_country.upper())
    return Party(
        name=settings.seller_name,
        address=address,
        email=settings.seller_email,
        **_tax_ids(settings.seller_tax_id),
    )


def buyer_party(company: Company, *, seller_country: str = "") -> Party:
    country = (company.country or "").upper() or country_of_tax_id(company.tax_id) or seller_country
    address = Address(
        street=company.address_line1,
        additional_street=company.address_line2,
        city=company.city,
        postal_zone=company.postal_code,
        country=country,
    )
    return Party(
        name=company.name,
        address=address,
        identifier=company.external_id or "",
        email=company.email,
        phone=company.phone,
        **_tax_ids(company.tax_id),
    )
