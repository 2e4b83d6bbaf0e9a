"""A workbook's plan as data: the hand-written field dicts say exactly what asdict says, so the
fingerprint and the metadata of every issued workbook stay what they were."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from pipeline.core.config import Config
from pipeline.core.layout import SheetLayout, WorkbookLayout, monitor_hash, plan
from pipeline.state.database import State


def asdict_fingerprint(layout: WorkbookLayout) -> str:
    """The fingerprint as it was first written, with dataclasses.asdict."""
    payload = json.dumps(
        {k: v for k, v in dataclasses.asdict(layout).items() if k not in {"issued_at", "extra"}},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_sheet_dict_names_every_field_in_order() -> None:
    sheet = SheetLayout("Eigen projecten", "project", ("project_id", "name"), ("P1", "P2"), 3)
    assert list(sheet.as_dict()) == [f.name for f in dataclasses.fields(SheetLayout)]
    assert sheet.as_dict() == dataclasses.asdict(sheet)


def test_fingerprint_covers_every_field_but_the_moment_and_extras() -> None:
    covered = {"party", "party_name", "round", "catalogue_version", "sheets", "base_hash"}
    covered |= {"tool", "layout_version"}
    fields = {f.name for f in dataclasses.fields(WorkbookLayout)}
    assert fields - covered == {"issued_at", "extra"}


def test_every_party_plan_keeps_its_fingerprint_and_metadata(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    for party in region.parties:
        layout = plan(
            config.catalogue,
            config.round,
            region,
            monitor,
            party,
            issued_at="2026-10-01T09:00:00+00:00",
            new_rows=config.new_project_rows,
            base_hash=monitor_hash(monitor),
        )
        assert layout.fingerprint == asdict_fingerprint(layout)
        sheets = json.dumps([dataclasses.asdict(s) for s in layout.sheets], ensure_ascii=False)
        assert layout.to_metadata()["sheets"] == sheets
        assert WorkbookLayout.from_metadata(layout.to_metadata()) == layout
