"""The "Controleer mijn invoer" button: an xlwings Lite script embedded in every party workbook.

xlwings Lite (a free Office add-in, store id WA200008175) keeps a workbook's Python code in the
``.xlsx`` itself, as task-pane web-extension parts. Their format is not documented; the parts
here follow a workbook really saved by xlwings Lite (``tests/fixtures/xlwings_lite``, with its
provenance). openpyxl drops these parts when it loads and saves a workbook, so they are added to
the finished zip (:func:`embed`) and carried over wherever planmonitor saves a party workbook
again (:func:`carry`).

The script (``main.py``) carries the validation core's own source (``pipeline.core`` and
``pipeline.validation``, zipped, imported under the name ``planmonitor_controle``) and the
party's payload (:mod:`pipeline.validation.payload`): the check in Excel is the same code as
``planmonitor validate``, not a second implementation.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import importlib.metadata
import io
import json
import re
import uuid
import zipfile
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import SHEET_META, SHEET_MONITOR, Catalogue, Config, Monitor, Region, WorkbookLayout
from ..validation import PAYLOAD_SEPARATOR, SHEET_CHECK, encode_payload, encode_shared_payload
from . import package
from .instructions import load_texts

STORE_ID = "WA200008175"
ADDIN_VERSION = "1.0.0.0"
XLWINGS_VERSION = "0.37.8"  # the release whose classes the tests check the stand-in against
BUNDLE_NAME = "planmonitor_controle"

WEBEXTENSION = "xl/webextensions/webextension1.xml"
TASKPANES = "xl/webextensions/taskpanes.xml"
TASKPANES_RELS = "xl/webextensions/_rels/taskpanes.xml.rels"
PARTS = (WEBEXTENSION, TASKPANES, TASKPANES_RELS)
_CONTENT_TYPES = {
    "/" + TASKPANES: "application/vnd.ms-office.webextensiontaskpanes+xml",
    "/" + WEBEXTENSION: "application/vnd.ms-office.webextension+xml",
}
_TASKPANES_REL = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
_WEBEXTENSION_REL = "http://schemas.microsoft.com/office/2011/relationships/webextension"
# Pure-Python packages are pinned; those Pyodide itself provides (pandas, numpy, pydantic) are
# not, as xlwings Lite asks. The first four lines are the ones xlwings Lite writes itself.
_PINNED = ("pandera", "typeguard", "typing-inspect", "mypy-extensions")
_PYODIDE = ("pandas", "numpy", "pydantic", "typing-extensions", "packaging")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'  # as Excel writes it


@dataclass(frozen=True)
class LiteScript:
    """What xlwings Lite stores in a workbook: the code and its requirements."""

    main_py: str
    requirements: str

    @property
    def sha256(self) -> str:
        """Identifies the script: equal for equal code and requirements."""
        digest = hashlib.sha256(self.main_py.encode("utf-8"))
        digest.update(b"\0" + self.requirements.encode("utf-8"))
        return digest.hexdigest()


# The feedback workbook's words that the Controle sheet shares, so both read the same.
_FEEDBACK_TEXTS = (
    "columns",
    "error",
    "warning",
    "count",
    "error_one",
    "error_many",
    "warning_one",
    "warning_many",
)


def script_for(
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    monitor: Monitor,
    records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    shared: str | None = None,
    own: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> LiteScript:
    """The script planmonitor issues with this layout: what ``issue`` embeds and what the check
    compares a submission's script with. ``shared`` is :func:`shared_payload` of the round,
    when the caller made it once for all parties; ``own`` the party's own issued rows (see
    ``validation.payload.encode``)."""
    return party_script(
        layout,
        config.catalogue,
        region,
        monitor,
        **_settings(config),
        records=records,
        shared=shared,
        own=own,
    )


def shared_payload(
    config: Config, region: Region, records: Mapping[str, Sequence[Mapping[str, Any]]]
) -> str:
    """The part of the payload every party workbook of a round carries alike (made once)."""
    return encode_shared_payload(config.catalogue, region, records, **_settings(config))


def _settings(config: Config) -> dict[str, Any]:
    from .feedback import ERROR_FILL, TEXTS, WARNING_FILL  # feedback carries these parts

    return {
        "texts": {**{k: TEXTS[k] for k in _FEEDBACK_TEXTS}, **load_texts()["controle"]},
        "colours": {"error": f"#{ERROR_FILL[-6:]}", "warning": f"#{WARNING_FILL[-6:]}"},
        "max_findings": config.max_findings_per_file,
        "max_new_projects": config.max_new_projects,
    }


def party_script(
    layout: WorkbookLayout,
    catalogue: Catalogue,
    region: Region,
    monitor: Monitor,
    *,
    texts: Mapping[str, str],
    colours: Mapping[str, str],
    max_findings: int,
    max_new_projects: int,
    records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    shared: str | None = None,
    own: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> LiteScript:
    """The script of one party's workbook: the same inputs give the same bytes."""
    payload = encode_payload(
        layout,
        catalogue,
        region,
        monitor,
        texts=texts,
        colours=colours,
        max_findings=max_findings,
        max_new_projects=max_new_projects,
        records=records,
        shared=shared,
        own=own,
    )
    # The shared part on lines of its own: the script up to there is the same in every workbook
    # of the round, and is compressed once (see :func:`entries`).
    common, _, party_part = payload.partition(PAYLOAD_SEPARATOR)
    # Only the sheets the check reads are handed to Python, not the large Regiomonitor.
    sheets = [s.name for s in layout.sheets if s.name != SHEET_MONITOR]
    head = _script_head(_docstring(texts["module_doc"], 0), common + PAYLOAD_SEPARATOR)
    tail = (
        _MAIN_PY_TAIL.replace("@@SCRIPT_DOC@@", _docstring(texts["script_doc"], 4))
        .replace("@@BUTTON@@", json.dumps(texts["button"], ensure_ascii=False))
        .replace("@@INCLUDE@@", json.dumps([*sheets, SHEET_CHECK, SHEET_META], ensure_ascii=False))
        .replace("@@NAME@@", BUNDLE_NAME)
    )
    main_py = head + _wrapped(party_part)[2:] + tail
    return LiteScript(main_py, requirements())


@functools.lru_cache(maxsize=2)
def _script_head(module_doc: str, common: str) -> str:
    """The script up to and including the payload's shared lines (the same for a whole round)."""
    bundle, bundle_sha = _bundle()
    return (
        _MAIN_PY_HEAD.replace("@@MODULE_DOC@@", module_doc)
        .replace("@@BUNDLE_SHA@@", bundle_sha)
        .replace("@@BUNDLE@@", _wrapped(bundle))
    ) + _wrapped(common)[:-1]


@functools.cache
def requirements() -> str:
    lines = [
        f"xlwings=={XLWINGS_VERSION}  # required",
        "python-dotenv==1.0.1  # required",
        "pyodide-http  # required",
        "black  # required",
        *_PYODIDE,
        *(f"{name}=={importlib.metadata.version(name)}" for name in _PINNED),
    ]
    return "\n".join(lines)


# -- the parts --------------------------------------------------------------------------------


def parts(script: LiteScript, *, extension_id: str | None = None) -> dict[str, bytes]:
    """The three web-extension parts, by their path in the package.

    The task pane opens with the workbook: ``visibility="1"`` plus Office's documented
    ``Office.AutoShowTaskpaneWithDocument`` property, and xlwings Lite's own workbook setting.
    """
    return {
        WEBEXTENSION: b"".join(_webextension(script, extension_id)),
        TASKPANES: _TASKPANES.encode("utf-8"),
        TASKPANES_RELS: _TASKPANES_RELS.encode("utf-8"),
    }


def entries(script: LiteScript) -> list[package.Entry]:
    """The parts as package entries. The script up to the party's own payload is the same in
    every workbook of a round: that piece is compressed on its own, once (see
    :func:`package.pieced`), and its compressed bytes are copied into every workbook; the
    party's own payload is base64 of compressed data, deflated at the fastest level."""
    pieces = _webextension(script, None)
    return [*_task_pane_entries(), package.pieced(WEBEXTENSION, pieces, common=1, fast=2)]


@functools.cache
def _task_pane_entries() -> tuple[package.Entry, package.Entry]:
    return (
        package.deflated(TASKPANES_RELS, _TASKPANES_RELS.encode("utf-8")),
        package.deflated(TASKPANES, _TASKPANES.encode("utf-8")),
    )


def _webextension(script: LiteScript, extension_id: str | None) -> tuple[bytes, bytes, bytes]:
    """The web-extension part in three pieces: up to the script, the script up to the party's
    own payload, and the rest."""
    ext_id = extension_id or "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, script.sha256)).upper() + "}"
    settings = {"startupBehavior": "taskpane", "appMode": True}
    properties = [
        ("requirements.txt", json.dumps(script.requirements, ensure_ascii=False)),
        ("pyodideVersion", json.dumps("0.27.5")),
        ("addinVersion", json.dumps(f"{ADDIN_VERSION}-35")),
        ("xlwingsSettingsWorkbook", json.dumps(json.dumps(settings))),
        ("Office.AutoShowTaskpaneWithDocument", "true"),
    ]
    props = "".join(
        f'<we:property name="{_attr(name)}" value="{_attr(value)}"/>' for name, value in properties
    )
    head = (
        _XML + '<we:webextension xmlns:we="http://schemas.microsoft.com/office/webextensions/'
        f'webextension/2010/11" id="{ext_id}">'
        f'<we:reference id="{STORE_ID.lower()}" version="{ADDIN_VERSION}" store="nl-NL" '
        'storeType="OMEX"/>'
        f'<we:alternateReferences><we:reference id="{STORE_ID}" version="{ADDIN_VERSION}" '
        f'store="{STORE_ID}" storeType="OMEX"/></we:alternateReferences>'
        '<we:properties><we:property name="main.py" value="&quot;'
    )
    tail = (
        f'&quot;"/>{props}</we:properties><we:bindings/>'
        '<we:snapshot xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"/>' + _EXTENSION_LIST + "</we:webextension>"
    )
    main_py = script.main_py
    start = main_py.find("PAYLOAD = (\n")
    end = main_py.find(f'{PAYLOAD_SEPARATOR}"\n', start) if start >= 0 else -1
    cut = end + len(PAYLOAD_SEPARATOR) + 2 if end >= 0 else 0
    own = _escaped(main_py[cut:]) + tail
    return head.encode("utf-8"), _common_piece(main_py[:cut]), own.encode("utf-8")


def _escaped(text: str) -> str:
    """Text as the inside of a JSON string in an XML attribute (both escape each character on
    its own, so pieces can be escaped one by one)."""
    return _attr(json.dumps(text, ensure_ascii=False)[1:-1])


@functools.lru_cache(maxsize=2)
def _common_piece(text: str) -> bytes:
    return _escaped(text).encode("utf-8")


_TASKPANES = (
    _XML + '<wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/'
    'taskpanes/2010/11"><wetp:taskpane dockstate="right" visibility="1" width="438" '
    'row="1"><wetp:webextensionref xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships" r:id="rId1"/></wetp:taskpane></wetp:taskpanes>'
)
_TASKPANES_RELS = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_WEBEXTENSION_REL}" Target="webextension1.xml"/>'
    "</Relationships>"
)


def embed(xlsx: bytes, script: LiteScript) -> bytes:
    """The workbook with the script's parts, replacing any it had."""
    return _with_parts(xlsx, entries(script))


def carry(original: bytes, resaved: bytes) -> bytes:
    """``resaved`` with the web-extension parts of ``original`` put back (openpyxl drops them).

    A workbook without the parts stays without.
    """
    found = _read_parts(original)
    if not found:
        return resaved
    return _with_parts(resaved, [package.deflated(n, c) for n, c in sorted(found.items())])


def embedded(xlsx: bytes) -> LiteScript | None:
    """The xlwings Lite script stored in a workbook, or None when it has none (or a broken one)."""
    part = embedded_part(xlsx)
    return None if part is None else script_in(part)


def script_in(part: bytes) -> LiteScript | None:
    """The script a web-extension part holds, or None when it holds none readable."""
    text = part.decode("utf-8", errors="replace")
    props = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<we:property name="([^"]*)" value="([^"]*)"', text)
    }
    try:
        return LiteScript(json.loads(props["main.py"]), json.loads(props["requirements.txt"]))
    except (KeyError, ValueError, TypeError):
        return None


def same_script_part(first: bytes, second: bytes) -> bool:
    """Whether two workbooks hold the script part as the same compressed bytes (so the same
    script, read or not); False when either has none or cannot be read as a zip."""
    try:
        one, two = (package.entries(xlsx, only=(WEBEXTENSION,)) for xlsx in (first, second))
    except package.PackageError:
        return False
    return bool(one) and [(e.method, e.compressed) for e in one] == [
        (e.method, e.compressed) for e in two
    ]


def holds_part(xlsx: bytes, content: bytes) -> bool:
    """Whether one of our own workbooks (an issued copy) holds this content as its script
    part, told from its zip directory (the size and CRC-32 our writer stored) without
    inflating it. Only for files we wrote: a party's file is inflated and compared. A party
    that changes its script and keeps both its size and its CRC-32 does so on purpose, and
    goes unnoted: the note is advice, the check in ``planmonitor`` stays decisive."""
    try:
        found = package.entries(xlsx, only=(WEBEXTENSION,))
    except package.PackageError:
        return False
    return any(e.size == len(content) and e.crc == zlib.crc32(content) for e in found)


def embedded_part(xlsx: bytes) -> bytes | None:
    """The web-extension part that holds the script (its XML), or None when there is none."""
    try:
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            return archive.read(WEBEXTENSION)
    except (zipfile.BadZipFile, OSError, KeyError):
        return None


# -- zip surgery ------------------------------------------------------------------------------


def _read_parts(xlsx: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            return {
                name: archive.read(name)
                for name in archive.namelist()
                if name.startswith("xl/webextensions/")
            }
    except (zipfile.BadZipFile, OSError, KeyError):
        return {}


def _with_parts(xlsx: bytes, new_parts: Sequence[package.Entry]) -> bytes:
    return package.write(embed_entries(package.entries(xlsx), new_parts))


def embed_entries(
    members: Sequence[package.Entry], new_parts: Sequence[package.Entry]
) -> list[package.Entry]:
    """The entries of a package without its old web-extension parts, with ``new_parts`` (in
    order of their names) and their content types and package relationship. Every other entry
    is kept as it is compressed."""
    names = {entry.name for entry in new_parts}
    out = []
    for entry in members:
        if entry.name.startswith("xl/webextensions/"):
            continue
        if entry.name == "[Content_Types].xml":
            entry = package.deflated(entry.name, _content_types(entry.content(), names))
        elif entry.name == "_rels/.rels":
            entry = package.deflated(entry.name, _package_rels(entry.content(), bool(names)))
        out.append(entry)
    return out + sorted(new_parts, key=lambda e: e.name)


def _content_types(data: bytes, new_parts: Collection[str]) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(r'<Override PartName="/xl/webextensions/[^"]*"[^>]*/>', "", text)
    overrides = "".join(
        f'<Override PartName="{part}" ContentType="{kind}"/>'
        for part, kind in _CONTENT_TYPES.items()
        if part.lstrip("/") in new_parts
    )
    return text.replace("</Types>", overrides + "</Types>").encode("utf-8")


def _package_rels(data: bytes, wanted: bool) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(rf'<Relationship [^>]*Type="{re.escape(_TASKPANES_REL)}"[^>]*/>', "", text)
    if wanted:
        ids = {int(i) for i in re.findall(r'Id="rId(\d+)"', text)}
        rel = (
            f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{_TASKPANES_REL}" '
            f'Target="{TASKPANES}"/>'
        )
        text = text.replace("</Relationships>", rel + "</Relationships>")
    return text.encode("utf-8")


# -- the script's source ----------------------------------------------------------------------


@functools.cache
def _bundle() -> tuple[str, str]:
    """The validation core's source, zipped the same way every time, and its SHA-256."""
    files = [_PACKAGE_DIR / "__init__.py"]
    for subpackage in ("core", "validation"):
        files += sorted((_PACKAGE_DIR / subpackage).glob("*.py"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            name = f"{BUNDLE_NAME}/{path.relative_to(_PACKAGE_DIR).as_posix()}"
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    data = out.getvalue()
    return base64.b64encode(data).decode("ascii"), hashlib.sha256(data).hexdigest()


def _wrapped(*texts: str, width: int = 100) -> str:
    """Long ASCII strings as one parenthesised run of string literals, at most ``width``
    characters a line, each text starting on a line of its own."""
    lines = [text[i : i + width] for text in texts for i in range(0, len(text), width)] or [""]
    return "(\n" + "".join(f'    "{line}"\n' for line in lines) + ")"


def _docstring(text: str, indent: int) -> str:
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in text.strip().splitlines())
    return f'{pad}"""{body.lstrip()}\n{pad}"""'


# As xlwings Lite writes it: the add-in may offer custom functions, so Excel loads it early.
_EXTENSION_LIST = (
    "<we:extLst>"
    '<a:ext xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'uri="{D87F86FE-615C-45B5-9D79-34F1136793EB}"><we:containsCustomFunctions/></a:ext>'
    '<a:ext xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'uri="{7C84B067-C214-45C3-A712-C9D94CD141B2}"><we:customFunctionIdList/></a:ext>'
    "</we:extLst>"
)


def _attr(value: str) -> str:
    """An XML attribute value, escaped as xlwings Lite writes it (quotes as &quot;)."""
    return html.escape(value, quote=False).replace('"', "&quot;")


# The script as xlwings Lite runs it. The members of xlwings it touches are listed in
# ``validation.in_excel.XLWINGS_MEMBERS``; the check itself is the bundled core.
_MAIN_PY_HEAD = """\
@@MODULE_DOC@@

import xlwings as xw
from xlwings import script

# The planmonitor validation core, zipped (base64): the same code as "planmonitor validate".
BUNDLE_SHA256 = "@@BUNDLE_SHA@@"
BUNDLE = @@BUNDLE@@
# What this workbook is checked against: its plan, the catalogue, the region and your issued
# rows, signed with the issue fingerprint. Changing it makes the check refuse to run.
PAYLOAD = """
_MAIN_PY_TAIL = '''


def _core():
    """The bundled core, unpacked once per session into Python's temporary folder."""
    import base64
    import hashlib
    import importlib
    import os
    import sys
    import tempfile

    name = "@@NAME@@"
    loaded = sys.modules.get(name)
    if loaded is None or getattr(loaded, "__bundle__", None) != BUNDLE_SHA256:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
        data = base64.b64decode(BUNDLE)
        if hashlib.sha256(data).hexdigest() != BUNDLE_SHA256:
            raise RuntimeError(
                "Het controlescript in deze werkmap is beschadigd. Vraag het secretariaat om "
                "een nieuwe werkmap; u kunt uw werkmap ook zonder deze controle inleveren."
            )
        path = os.path.join(tempfile.gettempdir(), f"{name}-{BUNDLE_SHA256[:16]}.zip")
        # Written aside and moved in whole: another process may be importing from the same file.
        aside = f"{path}.{os.getpid()}.tmp"
        with open(aside, "wb") as handle:
            handle.write(data)
        os.replace(aside, path)
        if path not in sys.path:
            sys.path.insert(0, path)
        importlib.invalidate_caches()
        importlib.import_module(name).__bundle__ = BUNDLE_SHA256
    return importlib.import_module(name + ".validation.in_excel")


@script(name=@@BUTTON@@, include=@@INCLUDE@@)
async def controleer_mijn_invoer(book: xw.Book):
@@SCRIPT_DOC@@
    outcome = await _core().check_book(book, PAYLOAD)
    print(f"Controle klaar: {len(outcome.findings)} bevinding(en).")
'''
