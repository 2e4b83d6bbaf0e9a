"""What a written workbook must not contain, checked on the bytes of the package itself."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ACTIVE_PARTS = re.compile(r"(externalLinks/|vbaProject|activeX|embeddings/|macrosheets/)", re.I)


def problems(data: bytes) -> list[str]:
    """Every formula, external link, active part and unprefixed formula-like text in a package."""
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        found += [f"active part {n}" for n in names if _ACTIVE_PARTS.search(n)]
        for name in names:
            if name.endswith(".rels") and b'TargetMode="External"' in package.read(name):
                found.append(f"external link in {name}")
        shared = _shared_strings(package) if "xl/sharedStrings.xml" in names else []
        quoted = _quote_prefixed_styles(package)
        found += _name_problems(package.read("xl/workbook.xml"))
        for name in names:
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                found += _sheet_problems(name, package.read(name), shared, quoted)
    return found


def _name_problems(workbook: bytes) -> list[str]:
    """Only Excel's own names (print titles, filters) as plain references may remain."""
    found = []
    for name in ElementTree.fromstring(workbook).iter(f"{{{NS['m']}}}definedName"):
        text = name.text or ""
        if not str(name.get("name")).startswith("_xlnm.") or "(" in text or "[" in text:
            found.append(f"defined name {name.get('name')}: {text[:40]!r}")
    return found


def _shared_strings(package: zipfile.ZipFile) -> list[str]:
    root = ElementTree.fromstring(package.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]


def _quote_prefixed_styles(package: zipfile.ZipFile) -> set[int]:
    root = ElementTree.fromstring(package.read("xl/styles.xml"))
    xfs = root.find("m:cellXfs", NS)
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs) if xf.get("quotePrefix") in ("1", "true")}


def _sheet_problems(name: str, xml: bytes, shared: list[str], quoted: set[int]) -> list[str]:
    found = []
    root = ElementTree.fromstring(xml)
    for cell in root.iter(f"{{{NS['m']}}}c"):
        ref = cell.get("r")
        if cell.find("m:f", NS) is not None:
            found.append(f"formula in {name} {ref}")
        kind = cell.get("t")
        text = None
        if kind == "s":
            value = cell.find("m:v", NS)
            text = shared[int(value.text)] if value is not None and value.text else None
        elif kind == "inlineStr":
            text = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
        elif kind == "str":
            found.append(f"formula result string in {name} {ref}")
        if text and text.startswith(PREFIXES) and int(cell.get("s", "0")) not in quoted:
            found.append(f"formula-like text without prefix in {name} {ref}: {text[:30]!r}")
    for tag in ("formula", "formula1", "formula2"):
        for rule in root.iter(f"{{{NS['m']}}}{tag}"):
            text = (rule.text or "").upper()
            if any(word in text for word in ("[", "://", "WEBSERVICE", "HYPERLINK")):
                found.append(f"rule reaching outside in {name}: {text[:40]!r}")
    if b"<hyperlink" in xml and b"r:id=" in xml:
        found.append(f"hyperlink to outside in {name}")
    return found
