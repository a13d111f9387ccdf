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
    if not data or data.isspace():  # (strip() would copy the whole document to find out)
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


class Children:
    """A document's elements by parent and tag; the reader looks its paths up here.

    ``find``/``findall`` take a prefixed path (``cac:Party/cbc:Name``) like lxml's, but each step is a dict
    look-up: no path is compiled per look-up, and an element's children are read (one pass over them) the
    first time something is looked up under it, never again; leaves are never read as parents. cProfile:
    lxml's ``find`` per field was most of the parse time. A path's Clark steps are computed once per path.
    """

    __slots__ = ("_index", "_steps")

    def __init__(self, steps: Callable[[str], tuple[str, ...]]) -> None:
        self._index: dict[etree._Element, dict[str, list[etree._Element]]] = {}
        self._steps = steps

    def _children(self, element: etree._Element) -> dict[str, list[etree._Element]]:
        children: dict[str, list[etree._Element]] = {}
        for child in element:  # a comment is kept under its own tag (a function), which no path names
            children.setdefault(child.tag, []).append(child)
        self._index[element] = children  # the key keeps the element's proxy alive, so it stays the same object
        return children

    def find(self, element: etree._Element | None, path: str) -> etree._Element | None:
        """The first element at ``path`` under ``element`` (None when ``element`` is None or nothing is there)."""
        index = self._index
        for tag in self._steps(path):
            if element is None:
                return None
            found = (index.get(element) or self._children(element)).get(tag)
            element = found[0] if found else None
        return element

    def findall(self, element: etree._Element | None, path: str) -> list[etree._Element]:
        """Every element at ``path`` under ``element``, in document order."""
        if element is None:
            return []
        index = self._index
        elements = [element]
        for tag in self._steps(path):
            elements = [child for parent in elements for child in (index.get(parent) or self._children(parent)).get(tag, ())]
        return elements


def clark_steps(namespaces: dict[str, str]) -> Callable[[str], tuple[str, ...]]:
    """A cached translation of a prefixed path (``cac:Party/cbc:Name``) to its steps in Clark notation
    (``({urn…}Party, {urn…}Name)``)."""

    @functools.cache
    def steps(path: str) -> tuple[str, ...]:
        return tuple(f"{{{namespaces[step.split(':', 1)[0]]}}}{step.split(':', 1)[1]}" if ":" in step else step for step in path.split("/"))

    return steps
