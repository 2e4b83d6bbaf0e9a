"""The open export: the merged monitor of a round as CSV and GeoJSON, with a manifest.

It is what leaves the region: for the landelijke versnellingstafel (see ``pipeline.national``),
for a province or for open data. One folder per region and round:

    manifest.json       region, landsdeel, round, reference date, catalogue version, targets,
                        realism parameters, routes of the rode draden, and the SHA-256 and
                        columns of every file below
    velden.csv          the fields: catalogue key, Dutch label, type, owner, whether private
    projecten.csv       one row per project, columns are catalogue keys
    projecten.geojson   the same projects as points in WGS84 (RD New converted with pyproj;
                        the RD originals stay in the properties)
    afspraken.csv       the agreements and their status
    knelpunten.csv      per project and bottleneck category the round since when it is named
    rode_draden.csv     the bottleneck categories of the region with their route
    realisatie.csv      per year what was planned against what was completed
    gemeenten.csv       the municipalities: CBS code, name, subregion

Private fields (``private = true`` in the catalogue) stay in the region unless the secretary
asks for them: seed 000 makes the monitor visible to those at the table, in a confidential
setting. Party contacts are never exported. The checksums guard against a file damaged on the
way, not against someone who rewrites the manifest too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import __version__
from ..core import (
    ID_COLUMN,
    NO,
    YES,
    Catalogue,
    Column,
    Config,
    Entity,
    Field,
    Monitor,
    Region,
    Round,
    RoundError,
    StorageError,
    sha256,
    write_atomic,
)
from ..reporting import casework as cw
from ..reporting import indicators as ind
from ..reporting import measured_rounds
from ..reporting import realism as real
from ..state import State

FORMAT = "planmonitor-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FIELDS_FILE = "velden.csv"
PROJECTS_FILE = "projecten.csv"
GEOJSON_FILE = "projecten.geojson"
AGREEMENTS_FILE = "afspraken.csv"
BOTTLENECKS_FILE = "knelpunten.csv"
RODE_DRADEN_FILE = "rode_draden.csv"
REALISATION_FILE = "realisatie.csv"
MUNICIPALITIES_FILE = "gemeenten.csv"
RD_NEW, WGS84 = "EPSG:28992", "EPSG:4326"
X_RD, Y_RD = "x_rd", "y_rd"
# About 1 cm: more decimals would only suggest a precision the conversion does not have.
COORDINATE_DECIMALS = 7

BOTTLENECK_COLUMNS = ("project_id", "category", "since_round")
RODE_DRADEN_COLUMNS = (
    "category",
    "projects",
    "dwellings",
    "municipalities",
    "recurring",
    "route",
)
REALISATION_COLUMNS = (
    "year",
    "planned",
    "planned_in",
    "completed",
    "halves_observed",
    "halves_planned",
)
MUNICIPALITY_COLUMNS = ("code", "name", "subregion")
FIELD_COLUMNS = ("entity", "key", "column", "label", "type", "owner", "private", "group")


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_round` wrote."""

    folder: Path
    round: Round
    measured_round: Round
    reference_date: dt.date
    projects: int
    agreements: int
    with_location: int
    private_included: bool
    left_out: tuple[str, ...]
    left_out_labels: tuple[str, ...] = ()
    zip_file: Path | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(sorted(self.folder.iterdir()))


@dataclass(frozen=True)
class ExportContent:
    """Everything one export holds, gathered before anything is written."""

    region: Region
    landsdeel: str
    round: Round
    measured_round: Round
    previous_round: Round | None
    reference_date: dt.date
    catalogue: Catalogue
    config: Config
    current: Monitor
    history: Sequence[tuple[Round, Monitor]]


def export_round(
    config: Config,
    state: State,
    round_: Round | None = None,
    out_dir: Path | None = None,
    *,
    include_private: bool = False,
    zip_file: bool = False,
) -> ExportSummary:
    """Export the monitor of a round (default: the last merged one, else the starting position)
    into a new folder below ``out_dir`` (default: the outputs folder's ``export``)."""
    round_ = round_ or _default_round(state)
    measured, previous = measured_rounds(state, round_)
    history = [(r, state.monitor(r)) for r in state.snapshots() if r <= measured]
    content = ExportContent(
        region=state.region(),
        landsdeel=config.landsdeel,
        round=round_,
        measured_round=measured,
        previous_round=previous,
        reference_date=_reference_date(config, state, round_, measured),
        catalogue=config.catalogue,
        config=config,
        current=state.monitor(measured),
        history=history,
    )
    out_dir = out_dir or config.paths.outputs / "export"
    return write_export(
        content,
        out_dir / export_folder_name(config.region_name, round_),
        include_private,
        zip_file=zip_file,
    )


def export_folder_name(region_name: str, round_: Round) -> str:
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in region_name)
    slug = "-".join(part for part in slug.split("-") if part) or "regio"
    return f"planmonitor-export-{slug}-{round_}"


def _default_round(state: State) -> Round:
    merged = [r for r in state.rounds() if state.round_info(r).get("merged_at")]
    if merged:
        return merged[-1]
    snapshots = state.snapshots()
    if not snapshots:
        raise RoundError(
            "Er is nog geen monitor om te exporteren. Voer eerst 'planmonitor init' uit."
        )
    return snapshots[0]


def _reference_date(config: Config, state: State, round_: Round, measured: Round) -> dt.date:
    """The date the numbers describe (peildatum). After a round's merge: the round's deadline,
    which the time model makes its reference date. The starting position of a round: the
    deadline of the round before it, or, for the first round, the day the monitor was set up."""
    if measured != round_:
        return config.timeline.deadline(round_)
    if round_ > config.timeline.first:
        return config.timeline.deadline(round_.previous())
    info = state.round_info(round_)
    moment = info.get("opened_at") or info.get("issued_at")
    return dt.datetime.fromisoformat(moment).date() if moment else dt.date.today()


def private_fields(catalogue: Catalogue) -> tuple[Field, ...]:
    return tuple(
        f for entity in ("project", "agreement") for f in catalogue.fields(entity) if f.private
    )


def write_export(
    content: ExportContent, folder: Path, include_private: bool = False, *, zip_file: bool = False
) -> ExportSummary:
    """Write an export into ``folder`` (replaced as a whole: a half-written export is never
    seen under its own name); with ``zip_file`` also the same files as ``<folder>.zip``, the one
    file a region sends."""
    catalogue = content.catalogue
    fields = ind.ProjectFields.from_catalogue(catalogue)
    left_out = () if include_private else tuple(f.key for f in private_fields(catalogue))
    projects = _view(content.current, catalogue, content.measured_round, "project", left_out)
    agreements = _view(content.current, catalogue, content.measured_round, "agreement", left_out)
    bottlenecks = bottleneck_since(content.history, fields)
    before = content.history[-2][1].projects if len(content.history) > 1 else None
    draden = cw.rode_draden(content.current.projects, before, fields, content.config.rode_draden)
    slips = real.project_slips(content.history, fields)
    summary = real.slip_summary(slips, real.withdrawn_ids(content.current.projects, fields))
    realisation = real.planned_vs_completed(content.history, fields)

    files: dict[str, bytes] = {
        FIELDS_FILE: _csv(FIELD_COLUMNS, _field_rows(catalogue, content, left_out)),
        PROJECTS_FILE: _csv(tuple(projects.columns), _rows(projects, catalogue)),
        GEOJSON_FILE: _geojson(projects, catalogue),
        AGREEMENTS_FILE: _csv(tuple(agreements.columns), _rows(agreements, catalogue)),
        BOTTLENECKS_FILE: _csv(
            BOTTLENECK_COLUMNS,
            [(pid, cat, str(since)) for (pid, cat), since in bottlenecks.items()],
        ),
        RODE_DRADEN_FILE: _csv(
            RODE_DRADEN_COLUMNS,
            [
                (
                    d.category,
                    d.projects,
                    d.dwellings,
                    len(d.municipalities),
                    _yes_no(d.recurring),
                    d.route,
                )
                for d in draden
            ],
        ),
        REALISATION_FILE: _csv(
            REALISATION_COLUMNS,
            [
                (
                    y.year,
                    y.planned,
                    str(y.planned_in),
                    y.completed,
                    y.halves_observed,
                    y.halves_planned,
                )
                for y in realisation
            ],
        ),
        MUNICIPALITIES_FILE: _csv(
            MUNICIPALITY_COLUMNS,
            [(m.code, m.name, m.subregion) for m in content.region.municipalities],
        ),
    }
    config = content.config
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "planmonitor_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "region": {"name": content.region.name, "landsdeel": content.landsdeel},
        "round": str(content.round),
        "measured_round": str(content.measured_round),
        "previous_round": str(content.previous_round) if content.previous_round else None,
        "reference_date": content.reference_date.isoformat(),
        "catalogue": {"version": catalogue.version, "planning_years": catalogue.planning_years},
        "private_fields_included": include_private,
        "private_fields_left_out": list(left_out),
        "pillars": {p.number: p.name for p in content.region.pillars},
        "targets": {
            "completions": {str(y): n for y, n in sorted(config.targets.completions.items())},
            "subregion_share": dict(config.targets.subregion_share),
            "affordable_share": config.targets.affordable_share,
            "social_rent_share": config.targets.social_rent_share,
            "plan_capacity_norm": config.targets.plan_capacity_norm,
        },
        "realism": {
            "chances": dict(config.realism),
            "source": config.reports.realism_source,
            "mean_year_slip": summary.mean_year_slip,
            "projects_observed": summary.projects,
        },
        "rode_draden": {
            "min_projects": config.rode_draden.min_projects,
            "min_municipalities": config.rode_draden.min_municipalities,
        },
        "files": {
            name: {
                "sha256": sha256(data),
                "bytes": len(data),
                **({"columns": _header(data)} if name.endswith(".csv") else {}),
            }
            for name, data in files.items()
        },
    }
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    _write_folder(folder, files)
    packed = folder.with_name(f"{folder.name}.zip") if zip_file else None
    if packed is not None:
        write_atomic(packed, _zip(files, content.reference_date))
    located = sum(
        1 for x, y in zip(projects.get(X_RD, []), projects.get(Y_RD, []), strict=False) if _rd(x, y)
    )
    return ExportSummary(
        folder=folder,
        round=content.round,
        measured_round=content.measured_round,
        reference_date=content.reference_date,
        projects=len(projects),
        agreements=len(agreements),
        with_location=located,
        private_included=include_private,
        left_out=left_out,
        left_out_labels=tuple(f.label for f in private_fields(catalogue) if f.key in left_out),
        zip_file=packed,
    )


def bottleneck_since(
    history: Sequence[tuple[Round, Monitor]], fields: ind.ProjectFields
) -> dict[tuple[str, str], Round]:
    """Per (project, category) named in the last snapshot: the first round of the unbroken run
    of snapshots in which the project names it."""
    if not history:
        return {}
    named = [(r, cw.bottleneck_projects(m.projects, fields)) for r, m in history]
    by_round = [
        (r, {(pid, cat) for cat, ids in found.items() for pid in ids}) for r, found in named
    ]
    last_round, current = by_round[-1]
    since: dict[tuple[str, str], Round] = {}
    for key in sorted(current):
        first = last_round
        for r, pairs in reversed(by_round[:-1]):
            if key not in pairs:
                break
            first = r
        since[key] = first
    return since


# -- writing ----------------------------------------------------------------------------------


def _view(
    monitor: Monitor, catalogue: Catalogue, round_: Round, entity: Entity, left_out: Sequence[str]
) -> pd.DataFrame:
    """The snapshot's rows with the catalogue's columns in catalogue order, private ones
    dropped; the planning years are the ones the snapshot holds."""
    table = monitor.table(entity).copy()
    table.insert(0, ID_COLUMN[entity], table.index.astype(str))
    keys = [
        c.key
        for c in export_columns(catalogue, entity, table, round_)
        if c.field.key not in left_out
    ]
    for key in keys:
        if key not in table.columns:
            table[key] = None
    return table[keys].astype(object).where(table[keys].notna(), None).reset_index(drop=True)


def export_columns(
    catalogue: Catalogue, entity: Entity, table: pd.DataFrame, round_: Round
) -> list[Column]:
    """The catalogue's columns; per-year fields get the years present in the table (the
    round's own years when it has none)."""
    columns = catalogue.columns(entity, round_)
    result: list[Column] = []
    for f in catalogue.fields(entity):
        own = [c for c in columns if c.field is f]
        if f.per_year:
            pattern = re.compile(rf"^{re.escape(f.key)}_(\d{{4}})$")
            years = sorted(int(m[1]) for c in table.columns if (m := pattern.match(str(c))))
            if years:
                extra = [c for c in own if c.year is None]  # later, jaar onbekend
                own = [Column(f"{f.key}_{y}", f"{f.label} {y}", f, year=y) for y in years]
                own += extra
        result.extend(own)
    return result


def _field_rows(
    catalogue: Catalogue, content: ExportContent, left_out: Sequence[str]
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    entities: tuple[Entity, ...] = ("project", "agreement")
    for entity in entities:
        table = content.current.table(entity)
        for column in export_columns(catalogue, entity, table, content.measured_round):
            f = column.field
            if f.key in left_out:
                continue
            rows.append(
                (
                    entity,
                    f.key,
                    column.key,
                    column.label,
                    f.type,
                    f.owner,
                    _yes_no(f.private),
                    f.group,
                )
            )
    return rows


def _rows(table: pd.DataFrame, catalogue: Catalogue) -> list[tuple[object, ...]]:
    return [tuple(_cell(v) for v in row) for row in table.itertuples(index=False, name=None)]


def _cell(value: object) -> object:
    """A value as it stands in the CSV: numbers as numbers (whole ones without .0), dates ISO,
    yes/no as the catalogue's ja/nee, empty as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """UTF-8 with a byte order mark (so Excel shows ë and é), comma-separated, decimal point."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _header(data: bytes) -> list[str]:
    first = data.decode("utf-8-sig").splitlines()[0]
    return next(csv.reader([first]))


def _rd(x: object, y: object) -> bool:
    try:
        return not (math.isnan(float(x)) or math.isnan(float(y)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _geojson(projects: pd.DataFrame, catalogue: Catalogue) -> bytes:
    """A FeatureCollection (RFC 7946: WGS84, longitude first); a project without RD
    coordinates is a feature without geometry, so no project goes missing."""
    from pyproj import Transformer

    transformer = Transformer.from_crs(RD_NEW, WGS84, always_xy=True)
    features = []
    for record in projects.to_dict("records"):
        x, y = record.get(X_RD), record.get(Y_RD)
        geometry = None
        if _rd(x, y):
            lon, lat = transformer.transform(float(x), float(y))  # type: ignore[arg-type]
            geometry = {
                "type": "Point",
                "coordinates": [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)],
            }
        features.append(
            {
                "type": "Feature",
                "id": str(record[ID_COLUMN["project"]]),
                "geometry": geometry,
                "properties": {str(k): _json_value(v) for k, v in record.items()},
            }
        )
    document = {"type": "FeatureCollection", "features": features}
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _json_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()  # type: ignore[attr-defined]
    return value


def _zip(files: Mapping[str, bytes], date: dt.date) -> bytes:
    """The export's files at the top of one zip (dated on the reference date, so the same
    export gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(date.year, date.month, date.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _write_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write every file into a temporary folder beside the target, then swap it in."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-export-", dir=folder.parent))
        try:
            for name, data in files.items():
                write_atomic(staging / name, data)
                os.chmod(staging / name, 0o644)  # an export is made to be shared
            os.chmod(staging, 0o755)
            if folder.exists():
                old = folder.with_name(f".old-{folder.name}")
                shutil.rmtree(old, ignore_errors=True)
                folder.rename(old)
                staging.rename(folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except OSError as exc:
        raise StorageError(f"De export {folder} kan niet worden geschreven: {exc}") from exc
