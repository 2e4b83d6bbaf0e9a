"""Reading a region's open export (see ``pipeline.stages.export``) for the national roll-up.

Nothing in an export is trusted: the manifest must be of a known format, every file it lists
must be there with the checksum it gives, every CSV must have the columns the manifest names and
values of the right type. A region that fails is refused with a Dutch message that names the
folder, the file and what to do; the other regions go on.

A region may use another catalogue version than the national side. Fields are matched by key;
what the national catalogue has and the export lacks is listed as "niet beschikbaar", values of
a choice list the national catalogue does not know are mapped where the catalogue knows a
mapping and otherwise counted as unknown (its ``[aliases]``: the older five-step planologische
status onto the ladder), and private fields are dropped even when an export carries them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from ..core import (
    LANDSDELEN,
    LATER,
    NO,
    UNKNOWN_YEAR,
    YES,
    Catalogue,
    Entity,
    Field,
    PlanmonitorError,
    Round,
    RoundError,
    Targets,
)
from ..stages import export as fmt

UNKNOWN_LANDSDEEL = "landsdeel onbekend"
# Without these a region's projects cannot be counted at all.
REQUIRED_PROJECT_KEYS = ("project_id", "municipality", "total_dwellings")
NUMBER_TYPES = frozenset({"whole", "decimal", "year"})


class ExportRefused(PlanmonitorError):
    """A region's export cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class RegionExport:
    """One region's export as the national roll-up uses it."""

    folder: Path
    name: str
    landsdeel: str
    round: Round
    measured_round: Round
    previous_round: Round | None
    reference_date: dt.date
    catalogue_version: str
    projects: pd.DataFrame
    agreements: pd.DataFrame
    bottleneck_since: Mapping[tuple[str, str], Round]
    rode_draden: pd.DataFrame
    realisation: pd.DataFrame
    municipalities: Mapping[str, str]
    targets: Targets
    realism_chances: Mapping[str, float]
    mean_year_slip: float
    missing_fields: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def first_measurement(self) -> bool:
        return self.previous_round is None

    def municipality_name(self, code: str) -> str:
        return self.municipalities.get(code, code)


def find_exports(paths: Sequence[Path]) -> list[Path]:
    """The exports named: a folder with a manifest or a zip file is one export; a folder without
    a manifest stands for the exports in it (a folder where regions drop their exports).
    Anything else is kept, so that reading it says why it is not an export."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / fmt.MANIFEST).exists():
            inner = sorted(
                p
                for p in path.iterdir()
                if (p / fmt.MANIFEST).is_file() or (p.is_file() and p.suffix.lower() == ".zip")
            )
            if inner:
                found.extend(inner)
                continue
        found.append(path)
    return list(dict.fromkeys(found))


def read_exports(
    folders: Sequence[Path], catalogue: Catalogue
) -> tuple[list[RegionExport], list[tuple[Path, str]]]:
    """Every readable export, and (folder, reason) for each one refused. A region that comes
    twice counts once, with its latest round."""
    exports: list[RegionExport] = []
    refused: list[tuple[Path, str]] = []
    for folder in folders:
        try:
            exports.append(read_export(folder, catalogue))
        except ExportRefused as exc:
            refused.append((folder, str(exc)))
    by_name: dict[str, RegionExport] = {}
    for export in exports:
        other = by_name.get(export.name)
        if other is None:
            by_name[export.name] = export
            continue
        newer, older = (
            (export, other) if export.measured_round > other.measured_round else (other, export)
        )
        by_name[export.name] = newer
        refused.append(
            (
                older.folder,
                f"{older.folder}: regio '{older.name}' staat er twee keer in; de export van "
                f"ronde {newer.round} ({newer.folder.name}) telt, deze van ronde {older.round} "
                "niet.",
            )
        )
    kept = sorted(by_name.values(), key=lambda e: (_landsdeel_order(e.landsdeel), e.name))
    return kept, refused


def _landsdeel_order(landsdeel: str) -> int:
    return LANDSDELEN.index(landsdeel) if landsdeel in LANDSDELEN else len(LANDSDELEN)


def read_export(folder: Path, catalogue: Catalogue) -> RegionExport:
    """One export (its folder, or the zip file ``planmonitor export --zip`` made), checked;
    raises :class:`ExportRefused` with the reason."""
    load = _loader(folder)
    try:
        return _read(folder, load, catalogue)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Whatever else an export gets wrong, it is refused with a reason, never a traceback.
        raise ExportRefused(
            f"{folder}: het manifest is onvolledig of ongeldig ({exc!r}). {_ASK}"
        ) from exc


Loader = Callable[[str], bytes | None]
ZIP_MAX_ENTRIES = 50
ZIP_MAX_BYTES = 500_000_000  # uncompressed, all entries together


def _loader(path: Path) -> Loader:
    """Reads the files of an export by name: from its folder, or from a zip file (its entries
    at the top or in one folder; no other paths, bounded in number and size)."""
    if path.is_dir():

        def from_folder(name: str) -> bytes | None:
            target = path / name
            return target.read_bytes() if target.is_file() else None

        return from_folder
    if path.is_file() and zipfile.is_zipfile(path):
        return _zip_loader(path)
    raise ExportRefused(
        f"{path}: dit is geen map en geen zipbestand. Geef de map of het zipbestand dat "
        "'planmonitor export' maakte (met manifest.json erin)."
    )


def _zip_loader(path: Path) -> Loader:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > ZIP_MAX_ENTRIES or sum(i.file_size for i in infos) > ZIP_MAX_BYTES:
                raise ExportRefused(f"{path}: het zipbestand is te groot voor een export. {_ASK}")
            names = [PurePosixPath(i.filename) for i in infos]
            folders = {n.parent for n in names}
            flat = len(folders) == 1 and len(next(iter(folders)).parts) <= 1
            plain = all(not n.is_absolute() and ".." not in n.parts for n in names)
            if not (flat and plain):
                raise ExportRefused(
                    f"{path}: de bestanden in het zipbestand staan niet bij elkaar in één map. "
                    f"{_ASK}"
                )
            entries = {}
            for info in infos:
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
                if len(data) != info.file_size:
                    raise ExportRefused(f"{path}: {info.filename} is beschadigd. {_ASK}")
                entries[PurePosixPath(info.filename).name] = data
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise ExportRefused(f"{path}: het zipbestand is onleesbaar ({exc}). {_ASK}") from exc
    return entries.get


def _read(folder: Path, load: Loader, catalogue: Catalogue) -> RegionExport:
    manifest = _manifest(folder, load)
    files = manifest["files"]
    data: dict[str, bytes] = {}
    for name in (fmt.PROJECTS_FILE, *files):
        if name not in files:
            raise ExportRefused(f"{folder}: het manifest noemt {name} niet. {_ASK}")
        data[name] = _checked_file(folder, name, files[name], load)
    notes: list[str] = []
    version = str(manifest["catalogue"].get("version", "onbekend"))
    if version != catalogue.version:
        notes.append(
            f"Catalogusversie {version} (landelijk {catalogue.version}): velden op hun sleutel "
            "gekoppeld."
        )
    projects, missing = _table(folder, fmt.PROJECTS_FILE, data, files, catalogue, "project", notes)
    agreements = (
        _table(folder, fmt.AGREEMENTS_FILE, data, files, catalogue, "agreement", notes)[0]
        if fmt.AGREEMENTS_FILE in data
        else pd.DataFrame()
    )
    landsdeel = str(manifest["region"].get("landsdeel") or "")
    if landsdeel not in LANDSDELEN:
        notes.append(
            f"Landsdeel '{landsdeel or '(leeg)'}' is onbekend; de regio telt mee onder "
            f"'{UNKNOWN_LANDSDEEL}'. Zet [region] landsdeel in de config.toml van de regio."
        )
        landsdeel = UNKNOWN_LANDSDEEL
    if manifest.get("private_fields_included"):
        notes.append("De export bevat privévelden; die zijn genegeerd.")
    return RegionExport(
        folder=folder,
        name=str(manifest["region"]["name"]),
        landsdeel=landsdeel,
        round=_round(folder, manifest, "round"),
        measured_round=_round(folder, manifest, "measured_round"),
        previous_round=(
            _round(folder, manifest, "previous_round") if manifest.get("previous_round") else None
        ),
        reference_date=_date(folder, manifest.get("reference_date")),
        catalogue_version=version,
        projects=projects,
        agreements=agreements,
        bottleneck_since=_since(folder, data.get(fmt.BOTTLENECKS_FILE), projects),
        rode_draden=_plain(folder, fmt.RODE_DRADEN_FILE, data, fmt.RODE_DRADEN_COLUMNS),
        realisation=_plain(folder, fmt.REALISATION_FILE, data, fmt.REALISATION_COLUMNS),
        municipalities=_municipalities(folder, data),
        targets=_targets(folder, manifest.get("targets", {})),
        realism_chances={
            str(k): float(v) for k, v in manifest.get("realism", {}).get("chances", {}).items()
        },
        mean_year_slip=float(manifest.get("realism", {}).get("mean_year_slip", 0.0)),
        missing_fields=tuple(missing),
        notes=tuple(notes),
    )


_ASK = "Vraag de regio om een nieuwe export ('planmonitor export')."


def _manifest(folder: Path, load: Loader) -> dict[str, Any]:
    path = folder / fmt.MANIFEST
    try:
        raw = load(fmt.MANIFEST)
    except OSError as exc:
        raise ExportRefused(f"{path}: het manifest is onleesbaar ({exc}). {_ASK}") from exc
    if raw is None:
        raise ExportRefused(
            f"{folder}: geen {fmt.MANIFEST} gevonden; dit is geen planmonitor-export. Geef de "
            "map die 'planmonitor export' maakte."
        )
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportRefused(f"{path}: het manifest is onleesbaar ({exc}). {_ASK}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT:
        raise ExportRefused(f"{path}: dit is geen manifest van een planmonitor-export. {_ASK}")
    if manifest.get("format_version") != fmt.FORMAT_VERSION:
        raise ExportRefused(
            f"{path}: exportformaat {manifest.get('format_version')} is onbekend (deze "
            f"planmonitor leest formaat {fmt.FORMAT_VERSION}). Werk planmonitor bij, of vraag "
            "de regio om een export met dezelfde versie."
        )
    for key in ("region", "round", "measured_round", "reference_date", "catalogue", "files"):
        if key not in manifest:
            raise ExportRefused(f"{path}: het manifest mist '{key}'. {_ASK}")
    shapes = {"files": dict, "region": dict, "catalogue": dict, "targets": dict, "realism": dict}
    if any(not isinstance(manifest.get(key, {}), kind) for key, kind in shapes.items()):
        raise ExportRefused(f"{path}: het manifest is onvolledig. {_ASK}")
    if not str(manifest["region"].get("name") or "").strip():
        raise ExportRefused(f"{path}: het manifest noemt geen regionaam. {_ASK}")
    return manifest


def _checked_file(folder: Path, name: str, entry: object, load: Loader) -> bytes:
    if Path(name).name != name or name in ("", ".", "..") or not isinstance(entry, dict):
        raise ExportRefused(f"{folder}: het manifest noemt een ongeldig bestand '{name}'. {_ASK}")
    path = folder / name
    try:
        data = load(name)
    except OSError as exc:
        raise ExportRefused(f"{path}: het bestand is onleesbaar ({exc}). {_ASK}") from exc
    if data is None:
        raise ExportRefused(f"{path}: het bestand ontbreekt. {_ASK}")
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ExportRefused(
            f"{path}: het controlegetal (SHA-256) klopt niet met het manifest: het bestand is "
            f"beschadigd of na de export gewijzigd. {_ASK}"
        )
    return data


def _rows(folder: Path, name: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ExportRefused(f"{folder / name}: geen leesbare CSV ({exc}). {_ASK}") from exc
    if not rows:
        raise ExportRefused(f"{folder / name}: het bestand is leeg. {_ASK}")
    header, body = rows[0], rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ExportRefused(
                f"{folder / name}, regel {number}: {len(row)} waarden waar de kop "
                f"{len(header)} kolommen heeft. {_ASK}"
            )
    return header, body


def _field_of(catalogue: Catalogue, entity: Entity, column: str) -> Field | None:
    """The catalogue field behind an export column: the key itself, or a year, "later" or
    slot column of a field that expands."""
    keys = {f.key: f for f in catalogue.fields(entity)}
    if column in keys and not keys[column].per_year and keys[column].type != "multiple_choice":
        return keys[column]
    base, _, suffix = column.rpartition("_")
    found = keys.get(base)
    if found is None:
        return None
    if found.per_year and (suffix in (LATER, UNKNOWN_YEAR) or re.fullmatch(r"\d{4}", suffix)):
        return found
    if found.type == "multiple_choice" and suffix.isdigit():
        return found
    return None


def _table(
    folder: Path,
    name: str,
    data: Mapping[str, bytes],
    files: Mapping[str, Any],
    catalogue: Catalogue,
    entity: Entity,
    notes: list[str],
) -> tuple[pd.DataFrame, list[str]]:
    header, body = _rows(folder, name, data[name])
    declared = files[name].get("columns")
    if declared is not None and list(declared) != header:
        raise ExportRefused(
            f"{folder / name}: de kolommen wijken af van wat het manifest noemt. {_ASK}"
        )
    id_key = "project_id" if entity == "project" else "agreement_id"
    if entity == "project":
        absent = [k for k in REQUIRED_PROJECT_KEYS if k not in header]
        if absent:
            raise ExportRefused(
                f"{folder / name}: de kolom(men) {', '.join(absent)} ontbreken; zonder die "
                "kolommen kan de regio niet meetellen. "
                f"{_ASK}"
            )
    elif id_key not in header:
        raise ExportRefused(f"{folder / name}: de kolom {id_key} ontbreekt. {_ASK}")
    columns: dict[str, Field] = {}
    unknown: list[str] = []
    private: list[str] = []
    for column in header:
        if column == id_key:
            continue
        f = _field_of(catalogue, entity, column)
        if f is None:
            unknown.append(column)
        elif f.private:
            private.append(column)
        else:
            columns[column] = f
    present = {id_key} | {f.key for f in columns.values()}
    missing = [
        f"{f.key} ({f.label})"
        for f in catalogue.fields(entity)
        if f.key not in present and not f.private
    ]
    what = "projecten" if entity == "project" else "afspraken"
    if unknown:
        notes.append(
            f"Kolommen van {what} die de landelijke catalogus niet kent, genegeerd: "
            + ", ".join(unknown)
            + "."
        )
    if missing:
        notes.append(f"Niet in de export van {what} (telt als leeg): " + ", ".join(missing) + ".")
    position = [(column, header.index(column), f) for column, f in columns.items()]
    id_position = header.index(id_key)
    path = folder / name
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    unmapped: dict[str, set[str]] = {}
    mapped: dict[str, int] = {}
    for number, row in enumerate(body, start=2):
        row_id = row[id_position].strip()
        if not row_id:
            raise ExportRefused(f"{path}, regel {number}: {id_key} is leeg. {_ASK}")
        if row_id in seen:
            raise ExportRefused(
                f"{path}, regel {number}: {id_key} '{row_id}' staat er twee keer in. {_ASK}"
            )
        seen.add(row_id)
        record: dict[str, Any] = {}
        for column, index, f in position:
            text = row[index].strip()
            value = _value(path, number, column, f, text)
            if isinstance(value, str) and f.type in {"choice", "multiple_choice"}:
                value = _choice(catalogue, f, value, unmapped, mapped)
            record[column] = value
        record[id_key] = row_id
        records.append(record)
    for key, values in unmapped.items():
        notes.append(
            f"Waarden van {key} die de landelijke catalogus niet kent, geteld als onbekend: "
            + ", ".join(sorted(values))
            + "."
        )
    for key, count in mapped.items():
        notes.append(f"{count} waarden van {key} uit een oudere lijst omgezet naar de huidige.")
    frame = pd.DataFrame.from_records(records, columns=[*columns, id_key]).astype(object)
    frame = frame.set_index(id_key)
    return frame.where(frame.notna(), None), missing if entity == "project" else []


def _value(path: Path, number: int, column: str, f: Field, text: str) -> Any:
    if text == "":
        return None
    try:
        if f.type == "whole" or f.type == "year":
            value = float(text)
            if not value.is_integer():
                raise ValueError(text)
            return int(value)
        if f.type == "decimal":
            number_ = float(text)
            if math.isnan(number_) or math.isinf(number_):
                raise ValueError(text)
            return number_
        if f.type == "yes_no":
            if text not in (YES, NO):
                raise ValueError(text)
            return text == YES
        if f.type == "date":
            return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ExportRefused(
            f"{path}, regel {number}, kolom {column}: '{text}' is geen geldige waarde voor "
            f"{f.label} ({_TYPE_NAMES.get(f.type, f.type)}). {_ASK}"
        ) from exc
    return text


_TYPE_NAMES = {
    "whole": "heel getal",
    "year": "jaartal",
    "decimal": "getal met decimale punt",
    "yes_no": "ja of nee",
    "date": "datum jjjj-mm-dd",
}


def _choice(
    catalogue: Catalogue,
    f: Field,
    value: str,
    unmapped: dict[str, set[str]],
    mapped: dict[str, int],
) -> str | None:
    if f.choices is None or f.choices.startswith("@"):
        return value
    allowed = catalogue.lists.get(f.choices, ())
    if value in allowed:
        return value
    # An older list (the five-step planologische status) maps through the catalogue's aliases.
    target = catalogue.aliases.get(f.choices, {}).get(value)
    if target is not None and target in allowed:
        mapped[f.key] = mapped.get(f.key, 0) + 1
        return target
    unmapped.setdefault(f.key, set()).add(value)
    return None


def _plain(
    folder: Path, name: str, data: Mapping[str, bytes], columns: Sequence[str]
) -> pd.DataFrame:
    if name not in data:
        return pd.DataFrame(columns=list(columns))
    header, body = _rows(folder, name, data[name])
    if list(header) != list(columns):
        raise ExportRefused(f"{folder / name}: onverwachte kolommen {', '.join(header)}. {_ASK}")
    return pd.DataFrame(body, columns=list(columns))


def _since(
    folder: Path, data: bytes | None, projects: pd.DataFrame
) -> dict[tuple[str, str], Round]:
    if data is None:
        return {}
    header, body = _rows(folder, fmt.BOTTLENECKS_FILE, data)
    if list(header) != list(fmt.BOTTLENECK_COLUMNS):
        raise ExportRefused(f"{folder / fmt.BOTTLENECKS_FILE}: onverwachte kolommen. {_ASK}")
    since = {}
    for number, (pid, category, round_text) in enumerate(body, start=2):
        try:
            since[(pid, category)] = Round.parse(round_text)
        except RoundError as exc:
            raise ExportRefused(
                f"{folder / fmt.BOTTLENECKS_FILE}, regel {number}: ronde '{round_text}' is "
                f"ongeldig. {_ASK}"
            ) from exc
    return since


def _municipalities(folder: Path, data: Mapping[str, bytes]) -> dict[str, str]:
    if fmt.MUNICIPALITIES_FILE not in data:
        return {}
    frame = _plain(folder, fmt.MUNICIPALITIES_FILE, data, fmt.MUNICIPALITY_COLUMNS)
    return dict(zip(frame["code"], frame["name"], strict=True))


def _round(folder: Path, manifest: Mapping[str, Any], key: str) -> Round:
    try:
        return Round.parse(str(manifest[key]))
    except RoundError as exc:
        raise ExportRefused(f"{folder / fmt.MANIFEST}: {key}: {exc} {_ASK}") from exc


def _date(folder: Path, value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ExportRefused(
            f"{folder / fmt.MANIFEST}: peildatum '{value}' is geen datum. {_ASK}"
        ) from exc


def _targets(folder: Path, raw: Mapping[str, Any]) -> Targets:
    try:
        return Targets(
            completions={int(y): int(n) for y, n in raw.get("completions", {}).items()},
            subregion_share={str(k): float(v) for k, v in raw.get("subregion_share", {}).items()},
            affordable_share=float(raw.get("affordable_share", 2 / 3)),
            social_rent_share=float(raw.get("social_rent_share", 1 / 3)),
            plan_capacity_norm=float(raw.get("plan_capacity_norm", 1.3)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ExportRefused(
            f"{folder / fmt.MANIFEST}: de doelen zijn onleesbaar ({exc}). {_ASK}"
        ) from exc
