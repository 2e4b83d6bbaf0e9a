"""Intake: recognise a received file by its content, cheaply and safely, before any parser.

A party may send anything: an old ``.xls``, a password-protected workbook, an ``.ods``, a CSV or
HTML export renamed to ``.xlsx``, a half-uploaded file, or a crafted zip or XML bomb. ``sniff``
looks at the bytes only (never at the extension) and either lets the file through to the reader
or returns the one finding that explains, in Dutch, what to do instead. It never inflates more
than the configured budget and never parses XML.

A caller that reads only a few parts (the hand-in status of a file) asks ``sniff`` for the
package checks alone (``parts=False``) and reads those parts through ``Package``, which
inflates each part with the same checks, only when it is read: a part that is never inflated
cannot bomb anyone. The declared sizes and ratios of all parts are checked either way, so a
package that later goes on whole to openpyxl, Excel or LibreOffice is no bomb by its headers.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

from ..core import Finding, blocking, finding, formatting

# A legitimate party workbook has a few dozen parts; large real-world workbooks a few thousand.
MAX_ZIP_ENTRIES = 5_000
# Legitimate spreadsheets in the robustness corpus compress at most about 121:1.
MAX_COMPRESSION_RATIO = 200
# Parts smaller than this may compress as well as they like: the ratio only matters for bombs.
RATIO_CHECK_MIN_BYTES = 1_000_000

_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_INFLATE_IN = 64 * 1024
_INFLATE_OUT = 1024 * 1024
# Parts openpyxl never parses as XML; an embedded SVG may legitimately carry a DOCTYPE.
_UNPARSED_PREFIXES = ("xl/media/", "xl/embeddings/")
_XML_DANGER = tuple(
    word.encode(encoding)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_DANGER_OVERLAP = max(len(word) for word in _XML_DANGER)
_WORKBOOK_CONTENT_TYPES = (
    b"spreadsheetml.sheet.main+xml",
    b"spreadsheetml.template.main+xml",
    b"ms-excel.sheet.macroEnabled.main+xml",
    b"ms-excel.template.macroEnabled.main+xml",
)
_BIFF_FILEPASS = 0x002F
# A Strict Open XML workbook declares this namespace in the first bytes of xl/workbook.xml.
_STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_WORKBOOK_HEAD = 4096

# The Dutch descriptions that go into the ``{kind}`` of ``not-a-workbook`` and the ``{reason}``
# of ``unsafe-workbook``: short, and recognisable for the person who sent the file.
KINDS = {
    "html": "een HTML-pagina, bijvoorbeeld een export uit een website of webapplicatie",
    "text": "tekst of CSV",
    "spreadsheet-xml": "een XML-werkblad uit Excel 2003, geen .xlsx",
    "xml": "een XML-bestand",
    "pdf": "een PDF-bestand",
    "image": "een afbeelding",
    "rtf": "een RTF-document",
    "lock-file": "een tijdelijk vergrendelbestand van Excel (~$...), niet de werkmap zelf",
    "numbers": "een Apple Numbers-bestand; kies in Numbers Archief > Exporteer naar > Excel",
    "opendocument": "een OpenDocument-bestand dat geen werkblad is",
    "word": "een Word-document",
    "powerpoint": "een PowerPoint-presentatie",
    "zip": "een zip-bestand zonder Excel-werkmap",
    "office": "een ander Office-bestand, geen Excel-werkmap",
    "unknown": "een onbekend bestandstype",
}
REASONS = {
    "entries": "het bevat meer dan {limit} onderdelen",
    "path": "een onderdeel heeft een pad buiten de werkmap: {name}",
    "duplicate": "twee onderdelen hebben dezelfde naam: {name}",
    "budget": "uitgepakt is het groter dan {limit}",
    "ratio": "onderdeel {name} is meer dan {limit} keer samengeperst",
    "lying-size": "onderdeel {name} is uitgepakt groter dan het bestand opgeeft",
    "doctype": "onderdeel {name} bevat een DOCTYPE- of ENTITY-declaratie",
}


@dataclass(frozen=True)
class IntakeResult:
    """What a first look at a file found: findings (a blocking one stops reading) and macros."""

    findings: tuple[Finding, ...] = ()
    has_macros: bool = False

    @property
    def readable(self) -> bool:
        """May the file go on to the workbook parser?"""
        return not blocking(self.findings)


def sniff(
    data: bytes,
    file_name: str,
    *,
    max_file_bytes: int,
    max_uncompressed_bytes: int,
    parts: bool = True,
) -> IntakeResult:
    """Recognise a received file by its content and check that it is safe to parse.

    With ``parts=False`` only the package is checked (its directory, the manifest and the
    workbook part), not the content of its other parts: for a caller that reads those it needs
    through ``Package``.
    """
    if not data:
        return _stop(finding("empty-file", file=file_name))
    if len(data) > max_file_bytes:
        return _stop(finding("file-too-large", file=file_name, limit=size_text(max_file_bytes)))
    if data.startswith(_CFB_MAGIC):
        return _stop(_sniff_cfb(data, file_name))
    if data.startswith(_ZIP_MAGICS):
        return _sniff_zip(data, file_name, max_uncompressed_bytes, parts)
    kind = _describe(data, file_name)
    if kind == "unknown" and file_name.lower().endswith(_EXCEL_EXTENSIONS):
        # Unrecognisable bytes under an Excel name: most likely a broken copy or upload.
        return _stop(finding("damaged-workbook", file=file_name))
    return _stop(finding("not-a-workbook", file=file_name, kind=KINDS[kind]))


def size_text(size: int) -> str:
    """A byte count as a person reads it: ``25 MB``."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.0f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} kB"
    return f"{size} bytes"


def _stop(found: Finding) -> IntakeResult:
    return IntakeResult((found,))


# -- Compound File Binary (OLE) containers: old .xls and encrypted OOXML -----------------------


def _sniff_cfb(data: bytes, file_name: str) -> Finding:
    streams = _cfb_streams(data)
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        return finding("encrypted-workbook", file=file_name)
    book = streams.get("workbook") or streams.get("book")
    if book is not None:
        if _biff_has_filepass(data, *book, root=streams.get("root entry")):
            return finding("encrypted-workbook", file=file_name)
        return finding("old-xls-format", file=file_name)
    return finding("not-a-workbook", file=file_name, kind=KINDS["office"])


_CFB_SPECIAL_SECTOR = 0xFFFFFFFA
_CFB_NAME = re.compile(rb"(?:[\x20-\x7e]\x00){1,31}\x00\x00")


def _cfb_streams(data: bytes) -> dict[str, tuple[int, int]]:
    """Directory entries of a CFB file: lower-case name -> (start sector, size).

    Directory entries are 128 bytes and sectors 512 or 4096, so every entry starts at a
    multiple of 128. Scanning for entries there, instead of following the FAT chains, stays
    cheap and cannot loop on a damaged or crafted FAT.
    """
    streams: dict[str, tuple[int, int]] = {}
    for match in _CFB_NAME.finditer(data):
        at = match.start()
        if at < 512 or at % 128 or at + 128 > len(data) or data[at + 66] not in (1, 2, 5):
            continue
        name_length = struct.unpack_from("<H", data, at + 64)[0]
        if name_length != len(match.group()):
            continue
        name = data[at : at + name_length - 2].decode("utf-16-le").lower()
        start, size = struct.unpack_from("<IQ", data, at + 116)
        if name not in streams or streams[name][0] >= _CFB_SPECIAL_SECTOR:
            streams[name] = (start, size)  # a stale copy in free space has no start sector
    return streams


def _biff_has_filepass(data: bytes, start: int, size: int, *, root: tuple[int, int] | None) -> bool:
    """Does the workbook stream announce encryption (FILEPASS) right after its BOF record?

    Only the first sector of the stream is looked at, without following FAT chains: FILEPASS
    comes within the first few records, and a wrong guess only changes which advice is given.
    """
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    cutoff = struct.unpack_from("<I", data, 0x38)[0]
    if shift not in (9, 12):
        return False
    if size >= cutoff:
        offset = (start + 1) << shift
    elif root is not None and start * 64 < (1 << shift):
        # A small stream lives in the mini stream, whose first sector is the root's.
        offset = ((root[0] + 1) << shift) + start * 64
    else:
        return False
    end = min(offset + (1 << shift), len(data))
    for _ in range(16):
        if offset + 4 > end:
            return False
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == _BIFF_FILEPASS:
            return True
        offset += 4 + length
    return False


# -- zip packages: xlsx, and what else comes in a zip -------------------------------------------


class Refused(Exception):
    """Stops the zip checks (or the reading of a part) with the finding that explains why."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.code)
        self.finding = found


def _sniff_zip(data: bytes, file_name: str, budget: int, parts: bool) -> IntakeResult:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return _check_package(data, archive.infolist(), file_name, budget, parts)
    except Refused as rejected:
        return _stop(rejected.finding)
    except Exception:  # any defect of the zip structure itself: a bad or truncated file
        return _stop(finding("damaged-workbook", file=file_name))


def _check_package(
    data: bytes, infos: list[zipfile.ZipInfo], file_name: str, budget: int, parts: bool
) -> IntakeResult:
    def unsafe(reason: str, **details: object) -> Refused:
        return Refused(
            finding("unsafe-workbook", file=file_name, reason=REASONS[reason].format(**details))
        )

    def not_a_workbook(kind: str) -> Refused:
        return Refused(finding("not-a-workbook", file=file_name, kind=KINDS[kind]))

    if len(infos) > MAX_ZIP_ENTRIES:
        raise unsafe("entries", limit=formatting.number(MAX_ZIP_ENTRIES))
    seen: set[str] = set()
    for info in infos:
        if _escapes(info.filename):
            raise unsafe("path", name=info.filename)
        folded = info.filename.casefold()
        if folded in seen:
            raise unsafe("duplicate", name=info.filename)
        seen.add(folded)
    declared = sum(info.file_size for info in infos)
    if declared > budget:
        raise unsafe("budget", limit=size_text(budget))
    for info in infos:
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise unsafe("ratio", name=info.filename, limit=MAX_COMPRESSION_RATIO)

    names = {info.filename: info for info in infos}
    if "mimetype" in names:
        mimetype = _inflate(data, names["mimetype"], 200, scan=False, file_name=file_name)
        if mimetype.strip() == _ODS_MIME:
            raise Refused(finding("ods-format", file=file_name))
        raise not_a_workbook("opendocument")
    if any(n.endswith(".numbers/") or n.startswith("index/") for n in seen):
        raise not_a_workbook("numbers")
    if "xl/workbook.bin" in seen:
        raise Refused(finding("xlsb-format", file=file_name))
    if "word/document.xml" in seen:
        raise not_a_workbook("word")
    if "ppt/presentation.xml" in seen:
        raise not_a_workbook("powerpoint")
    if "[content_types].xml" not in seen:
        raise (
            not_a_workbook("zip")
            if not any(n.startswith("xl/") for n in seen)
            else Refused(finding("damaged-workbook", file=file_name))
        )

    content_types = workbook = b""
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename.casefold()
        is_manifest = name == "[content_types].xml"
        is_workbook = name == "xl/workbook.xml"
        if not (parts or is_manifest or is_workbook):
            continue
        content = _inflate(
            data,
            info,
            info.file_size if is_manifest else _WORKBOOK_HEAD if is_workbook else 0,
            scan=not name.startswith(_UNPARSED_PREFIXES),
            file_name=file_name,
        )
        if is_manifest:
            content_types = content
        elif is_workbook:
            workbook = content
    if "xl/workbook.xml" not in seen or not any(
        t in content_types for t in _WORKBOOK_CONTENT_TYPES
    ):
        raise Refused(finding("damaged-workbook", file=file_name))
    if _STRICT_NAMESPACE in workbook:  # "Strict Open XML": the same .xlsx, other namespaces
        raise Refused(finding("strict-open-xml", file=file_name))

    has_macros = b"macroEnabled" in content_types or any(
        n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in seen
    )
    if has_macros:
        return IntakeResult((finding("macro-workbook", file=file_name),), has_macros=True)
    return IntakeResult()


def _escapes(name: str) -> bool:
    """Would this entry land outside the package when unpacked (``..``, absolute, a drive)?"""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def _inflate(data: bytes, info: zipfile.ZipInfo, keep: int, *, scan: bool, file_name: str) -> bytes:
    """Unpack one entry whole, with every check, and return at most ``keep`` bytes of it."""
    kept = bytearray()
    for chunk in _checked(data, info, scan=scan, file_name=file_name):
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
    return bytes(kept)


def _checked(data: bytes, info: zipfile.ZipInfo, *, scan: bool, file_name: str) -> Iterator[bytes]:
    """Unpack one entry from the raw bytes in chunks, with a hard cap on what it may produce.

    zipfile trusts the sizes in the headers; here the actual output is counted, so a header
    that lies about the size is caught after at most its declared size plus one chunk. Raises
    ``Refused`` for a bomb, a DOCTYPE or damage; the checksum is checked once the last chunk
    was taken.
    """

    def damaged() -> Refused:
        return Refused(finding("damaged-workbook", file=file_name))

    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged()  # Excel never writes zip encryption or other compression methods
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged()
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    start = info.header_offset + 30 + name_length + extra_length
    if start + info.compress_size > len(data):
        raise damaged()
    raw = memoryview(data)[start : start + info.compress_size]

    produced = 0
    crc = 0
    tail = b""
    try:
        for chunk in _chunks(raw, info.compress_type, info.file_size + 1):
            produced += len(chunk)
            if produced > info.file_size:
                raise Refused(
                    finding(
                        "unsafe-workbook",
                        file=file_name,
                        reason=REASONS["lying-size"].format(name=info.filename),
                    )
                )
            crc = zlib.crc32(chunk, crc)
            if scan:
                seam = tail + chunk[:_DANGER_OVERLAP]
                if _declares(seam) or _declares(chunk):
                    raise Refused(
                        finding(
                            "unsafe-workbook",
                            file=file_name,
                            reason=REASONS["doctype"].format(name=info.filename),
                        )
                    )
                tail = (
                    (tail + chunk)[-_DANGER_OVERLAP:]
                    if len(chunk) < _DANGER_OVERLAP
                    else chunk[-_DANGER_OVERLAP:]
                )
            yield chunk
    except (zlib.error, _Truncated):
        raise damaged() from None
    if produced != info.file_size or crc != info.CRC:
        raise damaged()


def _declares(content: bytes) -> bool:
    """Does the content hold a DOCTYPE or ENTITY declaration (UTF-8 or UTF-16)?

    Every such declaration starts with ``<!`` or, in UTF-16, ``<`` NUL ``!``. A ``!`` is rare
    in XML (sheet references in formulas, some text) and ``<`` everywhere, so a content without
    ``!`` is passed by one quick search, one with them (a sheet of formulas) by the two searches
    for ``<!``, and only one that has those gets the six exact ones.
    """
    if b"!" not in content:
        return False
    if b"<!" not in content and b"<\x00!" not in content:
        return False
    return any(word in content for word in _XML_DANGER)


def _chunks(raw: memoryview, method: int, limit: int) -> Iterator[bytes]:
    """The unpacked content in chunks, stopping once ``limit`` bytes came out.

    Raises ``zlib.error`` or ``_Truncated`` on a broken stream.
    """
    if method == zipfile.ZIP_STORED:
        for at in range(0, len(raw), _INFLATE_OUT):
            yield bytes(raw[at : at + _INFLATE_OUT])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    at = 0
    produced = 0
    while not inflater.eof and produced < limit:
        if inflater.unconsumed_tail:
            feed: bytes | memoryview = inflater.unconsumed_tail
        elif at < len(raw):
            feed = raw[at : at + _INFLATE_IN]
            at += _INFLATE_IN
        else:
            raise _Truncated
        out = inflater.decompress(feed, _INFLATE_OUT)
        produced += len(out)
        if out:
            yield out


# What ``Package.unread_safe`` inflates of a part, and how it sees the root element start
# (in UTF-8 or UTF-16).
_PROLOG = 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ROOT_START = re.compile(rb"<[A-Za-z_]|<\x00[A-Za-z_]\x00|\x00<\x00[A-Za-z_]")


class _Truncated(Exception):
    """The compressed stream ends before its end marker."""


class Package:
    """The parts of a zip package that passed ``sniff``, each inflated only when it is read.

    Reading a part makes the checks ``sniff`` makes of every part: no more than its declared
    size, no DOCTYPE or ENTITY declaration, and (once read to the end) its checksum. Raises
    ``Refused`` with the finding, as ``sniff`` would have.
    """

    def __init__(self, data: bytes, file_name: str) -> None:
        self._data, self._file_name = data, file_name
        self._read: set[str] = set()
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                self._infos = {info.filename: info for info in archive.infolist()}
        except Exception:  # any defect of the zip structure itself
            raise Refused(finding("damaged-workbook", file=file_name)) from None

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def chunks(self, name: str) -> Iterator[bytes]:
        """The content of a part in chunks as it is inflated; stopping early inflates no more."""
        return _checked(
            self._data,
            self._infos[name],
            scan=not name.casefold().startswith(_UNPARSED_PREFIXES),
            file_name=self._file_name,
        )

    def read(self, name: str) -> bytes:
        """The whole content of a part."""
        self._read.add(name)
        return b"".join(self.chunks(name))

    def stored(self, name: str) -> tuple[bytes, int, int, int]:
        """A part as stored (its compressed bytes, method, checksum and size), without
        inflating it: for a caller that knows the content of identical bytes read before. The
        part counts as read (the same bytes passed the same checks then)."""
        info = self._infos[name]
        self._read.add(name)
        return bytes(self._raw(info)), info.compress_type, info.CRC, info.file_size

    def unread_safe(self) -> bool:
        """Do the parts not read so far look sound without being inflated?

        Each part's compressed size must fit its stated size (deflate cannot shrink what it
        packs by more than its block overhead: a bomb that states a small size has more
        compressed bytes than that), and each XML part must start without a DOCTYPE or ENTITY
        declaration: only its start is inflated, as a declaration is allowed only before the
        root element, so a part whose root element starts in its first kilobyte without one
        declares nothing a parser would take. False also when a part's start cannot be told
        (a long prolog, a broken stream): the caller then checks the whole package.
        """
        for name, info in self._infos.items():
            if name in self._read or info.is_dir():
                continue
            if info.compress_size > info.file_size + info.file_size // 256 + 1024:
                return False  # more than deflate's block overhead (zlib's bound: ~1/3000)
            if not name.casefold().endswith(_XML_SUFFIXES):
                continue
            try:
                raw = self._raw(info)[:_PROLOG]
                if info.compress_type == zipfile.ZIP_STORED:
                    head = bytes(raw)
                else:
                    head = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, _PROLOG)
            except (zlib.error, Refused):
                return False
            root = _ROOT_START.search(head)
            if root is None or b"!" in head[: root.start()] or _declares(head):
                return False  # a comment or declaration before the root: not told from here
        return True

    def _raw(self, info: zipfile.ZipInfo) -> memoryview:
        header = self._data[info.header_offset : info.header_offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:
            raise Refused(finding("damaged-workbook", file=self._file_name))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(finding("damaged-workbook", file=self._file_name))
        name_length, extra_length = struct.unpack_from("<HH", header, 26)
        start = info.header_offset + 30 + name_length + extra_length
        return memoryview(self._data)[start : start + info.compress_size]


# -- everything else: say what it is --------------------------------------------------------

_SPREADSHEET_XML = re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet|<Workbook[\s>]")


def _describe(data: bytes, file_name: str) -> str:
    """A key of ``KINDS`` for a file that is neither a zip nor a CFB container."""
    if file_name.rsplit("/", 1)[-1].startswith("~$") or (len(data) == 165 and 0 < data[0] <= 54):
        return "lock-file"
    head = data[:4096]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    text = _as_text(head)
    if text is None:
        return "unknown"
    lowered = text.lstrip().lower()
    if _SPREADSHEET_XML.search(head):
        return "spreadsheet-xml"
    if "<html" in lowered or lowered.startswith("<!doctype html") or "<table" in lowered:
        return "html"
    if lowered.startswith("<"):
        return "xml"
    return "text"


def _as_text(head: bytes) -> str | None:
    """The start of the file as text, when it looks like text in a common encoding."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    text = (
        head.decode("utf-8", errors="ignore")
        if _mostly_utf8(head)
        else head.decode("cp1252", errors="replace")
    )
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return text if text and controls <= len(text) // 100 else None


def _mostly_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # only a character cut off at the end
    return True
