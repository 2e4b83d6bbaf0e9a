"""What the in-Excel check needs to know, carried inside the workbook's script, signed.

The payload holds the workbook's plan, the field catalogue, the region's registry, the party's
issued rows (its baseline, for ownership), the names of all projects and the Dutch texts of the
check sheet. It is JSON, compressed and base64-encoded, in two parts: what every workbook of the
round shares (made once per run) and the party's own part, with a signature: the SHA-256 of the
issue fingerprint and the own part, which holds the hash of the shared part, so the script can
tell when the payload was damaged or belongs to another workbook. The
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

PAYLOAD_VERSION = 2
SEPARATOR = "."  # not in the base64 alphabet
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
    shared: str | None = None,
    own: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> str:
    """The payload as one line of ASCII, for the script's source; ``records`` are the monitor's
    records by entity when the caller has them already (one list for all parties of a run).

    It is two parts joined by ``.``: what every workbook of the round shares (catalogue, region,
    texts, the names of all projects: :func:`encode_shared`, made once per run and passed as
    ``shared``), then the party's own part (its plan and its issued rows: ``own``, by entity in
    the monitor's order, when the caller has them at hand), signed with the workbook's
    fingerprint and holding the hash of the shared part.
    """
    if records is None:
        records = {entity: monitor.records(entity) for entity in ("project", "agreement")}
    if shared is None:
        shared = encode_shared(
            catalogue,
            region,
            records,
            texts=texts,
            colours=colours,
            max_findings=max_findings,
            max_new_projects=max_new_projects,
        )
    body = _json(
        {
            "version": PAYLOAD_VERSION,
            # Without the moment of issue, which the fingerprint leaves out too: the check
            # regenerates this payload from the issue record to compare scripts.
            "layout": {**layout.to_metadata(), "issued_at": ""},
            "shared": hashlib.sha256(shared.encode("ascii")).hexdigest(),
            "own": _own_part(own if own is not None else own_rows(layout, records)),
        }
    )
    envelope = json.dumps({"signature": sign(layout.fingerprint, body), "body": body})
    return f"{shared}{SEPARATOR}{_packed(envelope)}"


def encode_shared(
    catalogue: Catalogue,
    region: Region,
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    texts: Mapping[str, str],
    colours: Mapping[str, str],
    max_findings: int,
    max_new_projects: int,
) -> str:
    """The part of the payload that every party's workbook of a round carries alike."""
    id_column = ID_COLUMN["project"]
    return _packed(
        _json(
            {
                "version": PAYLOAD_VERSION,
                "catalogue": _catalogue(catalogue),
                "region": _region(region),
                # Every project by its name: a new project named like one is flagged.
                "names": [
                    {id_column: str(r[id_column]), "name": r.get("name")}
                    for r in records["project"]
                ],
                # Every agreement in full: each party's part says which are on its sheet.
                "agreements": list(records["agreement"]),
                "texts": dict(texts),
                "colours": dict(colours),
                "max_findings": max_findings,
                "max_new_projects": max_new_projects,
            }
        )
    )


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=_encode_value)


def _packed(text: str) -> str:
    # zlib's default level: level 9 took four times as long for a few per cent less.
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def decode(text: str) -> Payload:
    """The payload back; PayloadError when it is damaged or its signature does not match."""
    try:
        shared_text, separator, own_text = text.partition(SEPARATOR)
        if not separator:
            raise PayloadError("payload without its shared part")
        envelope = json.loads(_unpacked(own_text))
        body = envelope["body"]
        data = json.loads(body, object_hook=_decode_value)
        if data.get("version") != PAYLOAD_VERSION:
            raise PayloadError(f"payload version {data.get('version')}")
        layout = WorkbookLayout.from_metadata(data["layout"])
        if envelope["signature"] != sign(layout.fingerprint, body):
            raise PayloadError("signature")
        if data["shared"] != hashlib.sha256(shared_text.encode("ascii")).hexdigest():
            raise PayloadError("shared part")
        shared = json.loads(_unpacked(shared_text), object_hook=_decode_value)
        base = _base_rows(shared["names"], shared["agreements"], data["own"])
        return Payload(
            layout=layout,
            catalogue=_catalogue_from(shared["catalogue"]),
            region=_region_from(shared["region"]),
            base=Monitor(
                _frame(base["project"], ID_COLUMN["project"]),
                _frame(base["agreement"], ID_COLUMN["agreement"]),
            ),
            texts=shared["texts"],
            colours=shared["colours"],
            max_findings=int(shared["max_findings"]),
            max_new_projects=int(shared["max_new_projects"]),
        )
    except PayloadError:
        raise
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise PayloadError(str(exc)) from exc


def _unpacked(text: str) -> str:
    return zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)).decode("utf-8")


def sign(fingerprint: str, body: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{body}".encode()).hexdigest()


# -- the baseline: what the checks look up in the issued monitor ------------------------------


def own_rows(
    layout: WorkbookLayout, records: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, list[Mapping[str, Any]]]:
    """The party's own issued rows in full: the rows on its sheets (ownership and cross-field
    rules look up their issued values)."""
    own = {sheet.name: set(sheet.row_ids) for sheet in layout.sheets}
    own_projects = own.get(SHEET_OWN, set())
    own_agreements = own.get(SHEET_AGREEMENTS, set())
    return {
        "project": [r for r in records["project"] if str(r[ID_COLUMN["project"]]) in own_projects],
        "agreement": [
            r for r in records["agreement"] if str(r[ID_COLUMN["agreement"]]) in own_agreements
        ],
    }


def _own_part(own: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[Any]]:
    """The party's own rows as its part of the payload: its projects in full, its agreements
    by id (the shared part holds them in full)."""
    id_column = ID_COLUMN["agreement"]
    return {
        "project": list(own["project"]),
        "agreement": [str(r[id_column]) for r in own["agreement"]],
    }


def _base_rows(
    names: Sequence[Mapping[str, Any]],
    agreements: Sequence[Mapping[str, Any]],
    own: Mapping[str, Sequence[Any]],
) -> dict[str, list[Mapping[str, Any]]]:
    """The baseline the checks use: the party's own rows in full, every agreement on its
    sheets, and the id and name of every other project, in the monitor's order."""
    project_id, agreement_id = ID_COLUMN["project"], ID_COLUMN["agreement"]
    full = {str(r[project_id]): r for r in own["project"]}
    projects = [full.get(str(n[project_id]), n) for n in names]
    on_sheet = set(own["agreement"])
    return {
        "project": projects,
        "agreement": [r for r in agreements if str(r[agreement_id]) in on_sheet],
    }


def _frame(records: Sequence[Mapping[str, Any]], id_column: str) -> pd.DataFrame:
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
