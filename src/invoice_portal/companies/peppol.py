"""Peppol participant identifiers: an EAS scheme code and the id under it (``0088:7300010000001``).

The scheme must be on the Peppol EAS code list: the schemes Peppol BIS Billing 3.0 accepts for an
electronic address (its rule PEPPOL-EN16931-CL008), all of which the EN 16931 rule BR-CL-25 also accepts
(the email scheme ``EM`` and the other non-numeric codes of the CEF list are not used in Peppol; 0219 and
0220 are on the CEF list but not Peppol's). Schemes with a published check digit or format are checked, as
Peppol's PEPPOL-COMMON rules check them: GLN (0088: 13 digits, GS1 mod-10), Belgian enterprise numbers
(0208: 10 digits, mod-97), Norwegian organisation numbers (0192: 9 digits, mod-11), Danish CVR (0184:
"DK" and 8 digits, PEPPOL-COMMON-R042), P-numbers (0096: 10 digits) and SE numbers (0198: "DK" and 8 digits), Swedish organisation
numbers (0007: 10 digits, Luhn), Australian Business Numbers (0151: 11 digits, mod-89), Dutch KvK (0106:
8 digits), OIN (0190: 20 digits) and establishment numbers (0217: 20 digits), Japanese qualified invoice
issuer numbers (0221: "T" and 13 digits), and the VAT-number schemes (99xx), which carry the VAT id with
its country prefix (Greece's, 9933, "EL" as in VIES; the Dutch one, 9944, as "NL", 9 digits, "B" and 2 digits).
"""

from __future__ import annotations

import re

from invoice_portal.core.errors import ValidationFailed

# Peppol EAS code list (schemes a participant can be registered under), code list version 9.x.
PEPPOL_EAS = frozenset({
    "0002", "0007", "0009", "0037", "0060", "0088", "0096", "0097", "0106", "0130", "0135", "0142", "0147", "0151",
    "0154", "0158", "0170", "0177", "0183", "0184", "0188", "0190", "0191", "0192", "0193", "0194", "0195", "0196",
    "0198", "0199", "0200", "0201", "0202", "0203", "0204", "0205", "0208", "0209", "0210", "0211", "0212", "0213",
    "0215", "0216", "0217", "0218", "0221", "0225", "0230", "0235", "0240", "0244", "0245", "9910", "9913",
    "9914", "9915", "9918", "9919", "9920", "9922", "9923", "9924", "9925", "9926", "9927", "9928", "9929", "9930",
    "9931", "9932", "9933", "9934", "9935", "9936", "9937", "9938", "9939", "9940", "9941", "9942", "9943", "9944",
    "9945", "9946", "9947", "9948", "9949", "9950", "9951", "9952", "9953", "9957", "9959"
})  # fmt: skip
# The VAT-number schemes and the country prefix their ids carry.
VAT_SCHEMES = {
    "9910": "HU", "9913": "", "9914": "AT", "9915": "AT", "9918": "", "9919": "AT", "9920": "ES", "9922": "AD",
    "9923": "AL", "9924": "BA", "9925": "BE", "9926": "BG", "9927": "CH", "9928": "CY", "9929": "CZ", "9930": "DE",
    "9931": "EE", "9932": "GB", "9933": "EL", "9934": "HR", "9935": "IE", "9936": "LI", "9937": "LT", "9938": "LU",
    "9939": "LV", "9940": "MC", "9941": "ME", "9942": "MK", "9943": "MT", "9944": "NL", "9945": "PL", "9946": "PT",
    "9947": "RO", "9948": "RS", "9949": "SI", "9950": "SK", "9951": "SM", "9952": "TR", "9953": "VA", "9957": "FR",
}  # fmt: skip
_ID_CHARS = re.compile(r"^[A-Za-z0-9:._\-/+]{1,100}$")
_FORMATS = {
    "0007": (re.compile(r"^\d{10}$"), "10 digits"),
    "0088": (re.compile(r"^\d{13}$"), "13 digits"),
    "0096": (re.compile(r"^\d{10}$"), "10 digits"),
    "0151": (re.compile(r"^\d{11}$"), "11 digits"),
    "0198": (re.compile(r"^DK\d{8}$"), '"DK" and 8 digits'),
    "0217": (re.compile(r"^\d{20}$"), "20 digits"),
    "9944": (re.compile(r"^NL\d{9}B\d{2}$"), '"NL", 9 digits, "B" and 2 digits'),
    "0106": (re.compile(r"^\d{8}$"), "8 digits"),
    "0184": (re.compile(r"^DK\d{8}$"), '"DK" and 8 digits'),
    "0190": (re.compile(r"^\d{20}$"), "20 digits"),
    "0192": (re.compile(r"^\d{9}$"), "9 digits"),
    "0208": (re.compile(r"^\d{10}$"), "10 digits"),
    "0221": (re.compile(r"^T\d{13}$"), '"T" and 13 digits'),
}


def _gln_ok(digits: str) -> bool:
    weights = [3 if i % 2 == 0 else 1 for i in range(12)]
    total = sum(int(d) * w for d, w in zip(reversed(digits[:12]), weights, strict=True))
    return (10 - total % 10) % 10 == int(digits[12])


def _mod11_ok(digits: str) -> bool:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:8], weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(digits[8])


def _mod97_ok(digits: str) -> bool:
    return 97 - int(digits[:8]) % 97 == int(digits[8:])


def _luhn_ok(digits: str) -> bool:
    """A Swedish organisation number: its 10th digit is the Luhn check digit of the first nine."""
    total = 0
    for position, digit in enumerate(reversed(digits[:9])):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10 == int(digits[9])


def _abn_ok(digits: str) -> bool:
    """An Australian Business Number: the first digit less one, then the weighted sum of all, divisible by 89."""
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    values = [int(digits[0]) - 1, *(int(d) for d in digits[1:])]
    return sum(v * w for v, w in zip(values, weights, strict=True)) % 89 == 0


_CHECKS = {
    "0007": ("Luhn check digit", _luhn_ok),
    "0088": ("GS1 check digit", _gln_ok),
    "0151": ("ABN check", _abn_ok),
    "0192": ("mod-11 check digit", _mod11_ok),
    "0208": ("mod-97 check", _mod97_ok),
}


def _scheme_problem(scheme: str, identifier: str) -> str:
    """What is wrong with ``identifier`` under the format and check digit of ``scheme``; "" when nothing is (or the
    scheme has neither)."""
    if scheme in _FORMATS:
        pattern, described = _FORMATS[scheme]
        if not pattern.match(identifier):
            return f"an id under scheme {scheme} is {described} (got '{identifier}')"
    if scheme in _CHECKS:
        name, ok = _CHECKS[scheme]
        if not ok(identifier):
            return f"'{identifier}' fails the {name} of scheme {scheme}"
    return ""


def scheme_check_ok(scheme: str, identifier: str) -> bool:
    """Whether ``identifier`` has the format and check digit of ``scheme`` (a Norwegian organisation number inside
    a VAT number, say); True for a scheme with neither."""
    return not _scheme_problem(scheme, identifier)


def check_participant_id(scheme: str, identifier: str, *, field: str = "peppol_id") -> tuple[str, str]:
    """``(scheme, identifier)`` cleaned, or ``ValidationFailed`` naming what is wrong. Both empty is no id."""
    scheme, identifier = (scheme or "").strip(), (identifier or "").strip()
    if not scheme and not identifier:
        return "", ""
    scheme_field = field.replace("_id", "_scheme") if field.endswith("_id") else f"{field}_scheme"
    if not scheme:
        raise ValidationFailed(f"{scheme_field}: give the EAS scheme of the Peppol id (e.g. 0088 for a GLN).", field=scheme_field)
    if scheme not in PEPPOL_EAS:
        raise ValidationFailed(f"{scheme_field}: '{scheme}' is not a scheme of the Peppol EAS code list.", field=scheme_field)
    if not identifier:
        raise ValidationFailed(f"{field}: give the participant id under scheme {scheme}.", field=field)
    if not _ID_CHARS.match(identifier):
        raise ValidationFailed(f"{field}: '{identifier}' has characters a Peppol participant id cannot have.", field=field)
    if problem := _scheme_problem(scheme, identifier):
        raise ValidationFailed(f"{field}: {problem}.", field=field)
    prefix = VAT_SCHEMES.get(scheme, "")
    if prefix and not (identifier.upper().startswith(prefix) and len(identifier) > len(prefix) + 1):
        raise ValidationFailed(f"{field}: an id under scheme {scheme} is a VAT number starting with {prefix}.", field=field)
    return scheme, identifier
