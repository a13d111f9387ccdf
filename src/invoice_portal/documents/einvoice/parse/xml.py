"""Reading untrusted XML: no DTD, no entities, no network, a size limit.

An e-invoice never needs a DOCTYPE, so one is refused outright: that is what closes the door on
external entities (XXE) and entity expansion (billion laughs), whatever the parser would do with
them. lxml is configured not to resolve entities, load a DTD or touch the network anyway, and
``huge_tree`` stays off so libxml2's own depth and size guards apply.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from lxml import etree

from invoice_portal.documents.einvoice.parse.errors import EInvoiceRefused, EInvoiceTooLarge

MAX_BYTES = 10 * 1024 * 1024  # the largest Peppol message an access point accepts is 100 MB; an invoice is kilobytes
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False, remove_pis=True)


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """The root element of ``data``, or ``EInvoiceRefused`` saying why not."""
    if not isinstance(data, bytes | bytearray):
        raise EInvoiceRefused("An e-invoice is sent as bytes.")
    if len(data) > max_bytes:
        raise EInvoiceTooLarge(f"The document is {len(data):,} bytes; at most {max_bytes:,} are accepted.")
    if not data.strip():
        raise EInvoiceRefused("The document is empty.")
    if _DOCTYPE.search(data):
        raise EInvoiceRefused("The document has a DOCTYPE; e-invoices do not, and DTDs and entities are refused.")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        raise EInvoiceRefused(f"The document is not well-formed XML: {exc.msg} (line {exc.lineno}).") from None
    except ValueError as exc:  # e.g. an encoding lxml does not know
        raise EInvoiceRefused(f"The document cannot be read as XML: {exc}.") from None
    # A DOCTYPE in an encoding the byte search does not see (UTF-16, ...).
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise EInvoiceRefused("The document has a DOCTYPE; e-invoices do not, and DTDs and entities are refused.")
    if next(root.iter(etree.Entity), None) is not None:
        raise EInvoiceRefused("The document uses entities; they are refused.")
    return root


def clark_paths(namespaces: dict[str, str]) -> Callable[[str], str]:
    """A cached translation of prefixed paths (``cac:Party/cbc:Name``) to Clark notation (``{urn…}Party/{urn…}Name``).

    lxml caches a compiled path only when ``find`` gets no namespace map; compiling the prefixed path again at
    every look-up was most of the parse time (cProfile: ~60 % of parse + map)."""

    @functools.cache
    def clark(path: str) -> str:
        return "/".join(
            f"{{{namespaces[step.split(':', 1)[0]]}}}{step.split(':', 1)[1]}" if ":" in step else step for step in path.split("/")
        )

    return clark
