"""planmonitor's own feedback files, recognised by their content: a signed marker.

Every feedback workbook carries a custom document property with an HMAC (key kept in the
archive) over the party and the values of its data sheets. A file whose marker still verifies
is planmonitor's own, unchanged in content, whatever bytes Excel or SharePoint rewrote around
it: no submission. A party that corrects a cell breaks the signature, so its corrected feedback
copy is a submission, as it should be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import openpyxl
from defusedxml.ElementTree import fromstring
from openpyxl.packaging.custom import CustomPropertyList, StringProperty

from ..core import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    FIRST_DATA_ROW,
    SHEET_AGREEMENTS,
    SHEET_NEW,
    SHEET_OWN,
)
from .intake import Package, sniff

PROPERTY = "planmonitor-terugkoppeling"
_CUSTOM = "docProps/custom.xml"
_SHEETS = (SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS)


def sign(book: Any, party: str, key: bytes) -> None:
    """Put the marker in a workbook about to be saved (replacing an earlier one)."""
    signed(book.custom_doc_props, signature(key, party, _values(book)))


def signed(props: CustomPropertyList, value: str) -> CustomPropertyList:
    """The document's custom properties with the marker ``value`` (replacing an earlier one)."""
    props.props = [p for p in props.props if p.name != PROPERTY]
    props.append(StringProperty(name=PROPERTY, value=value))
    return props


def signature(key: bytes, party: str, sheets: Mapping[str, Iterable[Sequence[Any]]]) -> str:
    """The marker's value: an HMAC over the party and the rows (values as openpyxl reads them,
    from the first data row on) of the data sheets the workbook has."""
    digest = hmac.new(key, party.encode("utf-8"), hashlib.sha256)
    for name in _SHEETS:
        if name not in sheets:
            continue
        digest.update(b"\x1e" + name.encode("utf-8"))
        for row in sheets[name]:
            cells = _normalised(row)
            if cells:
                digest.update(b"\x1d" + "\x1f".join(cells).encode("utf-8"))
    return digest.hexdigest()


def is_own_feedback(data: bytes, party: str, key: bytes) -> bool:
    """Is this a feedback file planmonitor wrote for the party, with its content unchanged?

    Only a file whose custom properties hold the marker is opened (after the whole intake):
    a party's own submission costs one small part.
    """
    if not _has_marker(data) or not _passes_intake(data, parts=True):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            stated = next((p.value for p in book.custom_doc_props if p.name == PROPERTY), None)
            mac = signature(key, party, _values(book))
            return isinstance(stated, str) and hmac.compare_digest(stated, mac)
        finally:
            book.close()
    except Exception:  # anything unreadable is simply not one of ours
        return False


def _has_marker(data: bytes) -> bool:
    """Do the file's custom document properties name the marker? (Read through the intake.)"""
    if not _passes_intake(data, parts=False):
        return False
    try:
        package = Package(data, "")
        if _CUSTOM not in package:
            return False
        properties = fromstring(package.read(_CUSTOM))
    except Exception:  # anything unreadable is simply not one of ours
        return False
    return any(node.get("name") == PROPERTY for node in properties)


def _passes_intake(data: bytes, *, parts: bool) -> bool:
    limits = DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_UNCOMPRESSED_BYTES
    return sniff(
        data, "", max_file_bytes=limits[0], max_uncompressed_bytes=limits[1], parts=parts
    ).readable


def _values(book: Any) -> dict[str, Iterable[Sequence[Any]]]:
    return {
        name: book[name].iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
        for name in _SHEETS
        if name in book.sheetnames
    }


def _normalised(row: Iterable[Any]) -> list[str]:
    cells = [_text(v) for v in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float):
        return repr(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
