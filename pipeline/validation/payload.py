"""What the in-Excel check needs to know, carried inside the workbook's script, signed.

The payload holds the workbook's plan, the field catalogue, the region's registry, the party's
issued rows (its baseline, for ownership) and the Dutch texts of the check sheet. It is JSON,
compressed and base64-encoded, with a signature: the SHA-256 of the issue fingerprint and the
JSON, so the script can tell when the payload was damaged or belongs to another workbook. The
signature is no protection against a party that edits the script on purpose: the secretary's
check stays decisive.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from ..core import (
    ENTITIES,
    ID_COLUMN,
    SHEET_AGREEMENTS,
    SHEET_OWN,
    Catalogue,
    Field,
    Monitor,
    Municipality,
    Party,
    Pillar,
    Region,
    Roles,
    Round,
    WorkbookLayout,
    empty_frame,
)
from .schema import Context

PAYLOAD_VERSION = 1
_DATE = "$date"


class PayloadError(ValueError):
    """The payload is damaged, of another version, or its signature does not match."""


@dataclass(frozen=True)
class Payload:
    """The decoded payload of one party's workbook."""

    layout: WorkbookLayout
    catalogue: Catalogue
    region: Region
    base: Monitor
    texts: Mapping[str, str]
    colours: Mapping[str, str]
    max_findings: int
    max_new_projects: int

    @property
    def party(self) -> Party:
        return self.region.party(self.layout.party)

    def context(self) -> Context:
        return Context(
            self.catalogue,
            Round.parse(self.layout.round),
            self.region,
            self.party,
            self.base,
            self.max_findings,
            self.max_new_projects,
        )


def encode(
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
) -> str:
    """The payload as one line of ASCII, for the script's source; ``records`` are the monitor's
    records by entity when the caller has them already (one list for all parties of a run)."""
    body = json.dumps(
        {
            "version": PAYLOAD_VERSION,
            # Without the moment of issue, which the fingerprint leaves out too: the check
            # regenerates this payload from the issue record to compare scripts.
            "layout": {**layout.to_metadata(), "issued_at": ""},
            "catalogue": _catalogue(catalogue),
            "region": _region(region),
            "base": _baseline(layout, monitor, records),
            "texts": dict(texts),
            "colours": dict(colours),
            "max_findings": max_findings,
            "max_new_projects": max_new_projects,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=_encode_value,
    )
    envelope = json.dumps({"signature": sign(layout.fingerprint, body), "body": body})
    # zlib's default level: level 9 took four times as long for a few per cent less.
    return base64.b64encode(zlib.compress(envelope.encode("utf-8"), 6)).decode("ascii")


def decode(text: str) -> Payload:
    """The payload back; PayloadError when it is damaged or its signature does not match."""
    try:
        envelope = json.loads(zlib.decompress(base64.b64decode(text.encode("ascii"))))
        body = envelope["body"]
        data = json.loads(body, object_hook=_decode_value)
        if data.get("version") != PAYLOAD_VERSION:
            raise PayloadError(f"payload version {data.get('version')}")
        layout = WorkbookLayout.from_metadata(data["layout"])
        if envelope["signature"] != sign(layout.fingerprint, body):
            raise PayloadError("signature")
        return Payload(
            layout=layout,
            catalogue=_catalogue_from(data["catalogue"]),
            region=_region_from(data["region"]),
            base=Monitor(
                _frame(data["base"]["project"], ID_COLUMN["project"]),
                _frame(data["base"]["agreement"], ID_COLUMN["agreement"]),
            ),
            texts=data["texts"],
            colours=data["colours"],
            max_findings=int(data["max_findings"]),
            max_new_projects=int(data["max_new_projects"]),
        )
    except PayloadError:
        raise
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise PayloadError(str(exc)) from exc


def sign(fingerprint: str, body: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{body}".encode()).hexdigest()


# -- the baseline: what the checks look up in the issued monitor ------------------------------


def _baseline(
    layout: WorkbookLayout,
    monitor: Monitor,
    records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, list[Mapping[str, Any]]]:
    """The party's own issued rows in full, every agreement, and the names of other projects.

    Exactly what the validation looks up: the issued values of the rows on the party's sheets
    (ownership and cross-field rules) and all project names (a new project named like one).
    """
    own = {sheet.name: set(sheet.row_ids) for sheet in layout.sheets}
    if records is None:
        records = {entity: monitor.records(entity) for entity in ("project", "agreement")}
    projects: list[Mapping[str, Any]] = []
    for record in records["project"]:
        row_id = str(record[ID_COLUMN["project"]])
        if row_id in own.get(SHEET_OWN, set()):
            projects.append(record)
        else:
            projects.append({ID_COLUMN["project"]: row_id, "name": record.get("name")})
    agreements = [
        r
        for r in records["agreement"]
        if str(r[ID_COLUMN["agreement"]]) in own.get(SHEET_AGREEMENTS, set())
    ]
    return {"project": projects, "agreement": agreements}


def _frame(records: list[dict[str, Any]], id_column: str) -> pd.DataFrame:
    """The records as the monitor holds them: object cells, exactly the values sent.

    Not through type inference: a whole-number column must stay whole numbers even where the
    baseline leaves cells out, as it does for the other parties' projects.
    """
    if not records:
        return empty_frame(id_column)
    frame = pd.DataFrame(records, dtype=object).set_index(id_column)
    return frame.where(frame.notna(), None)


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {_DATE: value.date().isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot carry {type(value).__name__} in the payload")


def _decode_value(data: dict[str, Any]) -> Any:
    if len(data) == 1 and _DATE in data:
        return dt.date.fromisoformat(data[_DATE])
    return data


# -- catalogue and region ---------------------------------------------------------------------


def _catalogue(catalogue: Catalogue) -> dict[str, Any]:
    return {
        "version": catalogue.version,
        "planning_years": catalogue.planning_years,
        "lists": {k: list(v) for k, v in catalogue.lists.items()},
        "roles": asdict(catalogue.roles),
        "aliases": {k: dict(v) for k, v in catalogue.aliases.items()},
        **{entity: [asdict(f) for f in catalogue.fields(entity)] for entity in ENTITIES},
    }


def _catalogue_from(data: Mapping[str, Any]) -> Catalogue:
    fields = {entity: tuple(Field(**_tuples(f)) for f in data[entity]) for entity in ENTITIES}
    return Catalogue(
        version=data["version"],
        planning_years=int(data["planning_years"]),
        lists={k: tuple(v) for k, v in data["lists"].items()},
        project=fields["project"],
        agreement=fields["agreement"],
        roles=Roles(**data["roles"]),
        aliases=data["aliases"],
        _by_key={f"{entity}.{f.key}": f for entity in ENTITIES for f in fields[entity]},
    )


def _tuples(data: Mapping[str, Any]) -> dict[str, Any]:
    """JSON lists back as the tuples a frozen dataclass holds."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def _region(region: Region) -> dict[str, Any]:
    return {
        "name": region.name,
        "municipalities": [asdict(m) for m in region.municipalities],
        "pillars": [asdict(p) for p in region.pillars],
        "parties": [asdict(p) for p in region.parties],
    }


def _region_from(data: Mapping[str, Any]) -> Region:
    return Region(
        name=data["name"],
        municipalities=tuple(Municipality(**m) for m in data["municipalities"]),
        pillars=tuple(Pillar(**p) for p in data["pillars"]),
        parties=tuple(Party(**{**p, "pillars": tuple(p["pillars"])}) for p in data["parties"]),
    )
