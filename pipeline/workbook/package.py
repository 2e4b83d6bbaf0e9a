"""The .xlsx package as a zip of compressed entries, copied without inflating them again.

A workbook is a zip of XML parts. Most of a party workbook's bytes are the read-only region sheet,
the same for every party of a round: it is compressed once and its compressed bytes are copied
into every party's package, as are the parts a writer already compressed. Only the standard
library's ``zlib`` and ``zipfile`` (to find the entries) are used; what this module writes is a
plain zip (no zip64, no data descriptors), with fixed timestamps so that the same content always
gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from defusedxml import ElementTree

# Zip's earliest date: the entries carry no time, so equal content gives equal bytes.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header (zipfile.structFileHeader)
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory header (zipfile.structCentralDir)
_END = struct.Struct("<4s4H2LH")  # end of central directory (zipfile.structEndArchive)
_VERSION = 20  # 2.0: deflate
_UTF8_NAME = 0x800
_LIMIT = 0xFFFFFFFF


class PackageError(ValueError):
    """A zip this module cannot copy entries from (encrypted, zip64 or damaged)."""


@dataclass(frozen=True)
class Entry:
    """One member of a package, compressed as it will be stored."""

    name: str
    compressed: bytes
    crc: int
    size: int  # uncompressed
    method: int = zipfile.ZIP_DEFLATED

    def content(self) -> bytes:
        """The uncompressed bytes (for tests and the few parts that are read back)."""
        if self.method == zipfile.ZIP_STORED:
            return self.compressed
        return zlib.decompress(self.compressed, -zlib.MAX_WBITS)


def deflated(name: str, content: bytes, level: int = 6) -> Entry:
    """An entry holding ``content``, deflated as zipfile does (raw deflate, level 6)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed = packer.compress(content) + packer.flush()
    return Entry(name, compressed, zlib.crc32(content), len(content))


def pieced(
    name: str, pieces: Sequence[bytes], *, common: int | None = None, fast: int | None = None
) -> Entry:
    """An entry holding the pieces one after the other, each deflated on its own (raw deflate,
    each but the last ended by a sync flush: one valid deflate stream). The piece at index
    ``common`` is one that many packages share: it is compressed once and its compressed bytes
    are reused, so the cost is that of the other pieces. The piece at index ``fast`` is
    compressed at zlib's fastest level (text that is compressed already, in base64), the
    others at level 6."""
    compressed = []
    crc = size = 0
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        level = 1 if index == fast else 6
        if index == common:
            compressed.append(_flushed(piece, level, last))
        else:
            compressed.append(_deflate(piece, level, last))
        crc = zlib.crc32(piece, crc)
        size += len(piece)
    return Entry(name, b"".join(compressed), crc, size)


def _deflate(content: bytes, level: int, last: bool) -> bytes:
    packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(content) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


@functools.lru_cache(maxsize=4)
def _flushed(content: bytes, level: int, last: bool) -> bytes:
    return _deflate(content, level, last)


def entries(package: bytes, only: Container[str] | None = None) -> list[Entry]:
    """The entries of a zip in their order (``only`` those named), with their compressed bytes
    as stored."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"not a readable zip: {exc}") from exc
    out = []
    for info in infos:
        if only is not None and info.filename not in only:
            continue
        if info.flag_bits & 0x1:
            raise PackageError(f"{info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageError(f"{info.filename} uses compression method {info.compress_type}")
        header = package[info.header_offset : info.header_offset + _LOCAL.size]
        if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise PackageError(f"{info.filename} has no local header")
        fields = _LOCAL.unpack(header)
        start = info.header_offset + _LOCAL.size + fields[10] + fields[11]
        data = package[start : start + info.compress_size]
        if len(data) != info.compress_size:
            raise PackageError(f"{info.filename} is cut short")
        out.append(Entry(info.filename, data, info.CRC, info.file_size, info.compress_type))
    return out


def write(members: Iterable[Entry]) -> bytes:
    """A zip of the entries in the given order; names must be unique."""
    out = io.BytesIO()
    central = []
    time, date = _dos_time(FIXED_DATE_TIME)
    seen: set[str] = set()
    for entry in members:
        if entry.name in seen:
            raise PackageError(f"{entry.name} twice in one package")
        seen.add(entry.name)
        name = entry.name.encode("utf-8")
        flags = 0 if entry.name.isascii() else _UTF8_NAME
        offset = out.tell()
        if max(offset, len(entry.compressed), entry.size) >= _LIMIT:
            raise PackageError("package too large for a plain zip")
        out.write(
            _LOCAL.pack(
                b"PK\x03\x04",
                _VERSION,
                0,
                flags,
                entry.method,
                time,
                date,
                entry.crc,
                len(entry.compressed),
                entry.size,
                len(name),
                0,
            )
        )
        out.write(name)
        out.write(entry.compressed)
        central.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                _VERSION,
                0,
                _VERSION,
                0,
                flags,
                entry.method,
                time,
                date,
                entry.crc,
                len(entry.compressed),
                entry.size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    for record in central:
        out.write(record)
    size = out.tell() - start
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def replaced(package: bytes, replacements: Mapping[str, Entry]) -> bytes:
    """The package with the named entries replaced; every other entry is copied as stored."""
    members = entries(package)
    missing = set(replacements) - {e.name for e in members}
    if missing:
        raise PackageError(f"no entry {', '.join(sorted(missing))} to replace")
    return write(replacements.get(e.name, e) for e in members)


def _dos_time(moment: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = moment
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


# -- the parts of a workbook package (OPC: a zip with relationship parts) ---------------------

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_STRICT_MAIN_NS = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
_STRICT_DOC_REL_NS = "{http://purl.oclc.org/ooxml/officeDocument/relationships}"


def rels_name(part: str) -> str:
    """Where the relationships of a part are kept: xl/workbook.xml → xl/_rels/workbook.xml.rels."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def relationships(members: Mapping[str, Entry], part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of every relationship of a part; targets made absolute."""
    entry = members.get(rels_name(part))
    if entry is None:
        return []
    folder = posixpath.dirname(part)
    out = []
    for rel in ElementTree.fromstring(entry.content()):
        if rel.tag != f"{_REL_NS}Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        out.append((rel.get("Id", ""), rel.get("Type", ""), posixpath.normpath(path)))
    return out


def workbook_part(members: Mapping[str, Entry]) -> str | None:
    """The workbook part of a package (usually xl/workbook.xml)."""
    for _, kind, target in relationships(members, ""):
        if kind.endswith("/officeDocument") and target in members:
            return target
    return None


def sheet_part(members: Mapping[str, Entry], sheet: str) -> str | None:
    """The part holding the worksheet called ``sheet``, or None when there is none."""
    book = workbook_part(members)
    if book is None:
        return None
    targets = {rel_id: target for rel_id, _, target in relationships(members, book)}
    for node in ElementTree.fromstring(members[book].content()).iter():
        if (
            node.tag in (f"{_MAIN_NS}sheet", f"{_STRICT_MAIN_NS}sheet")
            and node.get("name") == sheet
        ):
            rel_id = node.get(f"{_DOC_REL_NS}id") or node.get(f"{_STRICT_DOC_REL_NS}id")
            target = targets.get(rel_id or "")
            return target if target in members else None
    return None


def related_part(members: Mapping[str, Entry], part: str, kind: str) -> str | None:
    """The first part of a relationship type (its last word, e.g. "sharedStrings")."""
    for _, rel_kind, target in relationships(members, part):
        if rel_kind.rsplit("/", 1)[-1] == kind and target in members:
            return target
    return None
