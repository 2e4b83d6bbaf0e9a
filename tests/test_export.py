"""The open export: CSV and GeoJSON of the merged monitor, with a manifest of checksums.

The demo state gets a second snapshot (the monitor after merging the round), so the export has
history: bottlenecks named in both snapshots, completions between them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from test_reports import add_second_snapshot

from pipeline.core import Config
from pipeline.reporting import indicators as ind
from pipeline.stages.export import (
    GEOJSON_FILE,
    MANIFEST,
    PROJECTS_FILE,
    bottleneck_since,
    export_round,
)
from pipeline.state import State

PRIVATE = ("initiator", "municipal_remarks", "bottleneck_explanation", "stoplight_explanation")


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_catalogue_marks_the_private_fields(config: Config) -> None:
    marked = {f.key for f in config.catalogue.project if f.private}
    assert marked == set(PRIVATE)
    assert not any(f.private for f in config.catalogue.agreement)


def test_export_writes_every_file_with_its_checksum(config: Config, state: State) -> None:
    add_second_snapshot(config, state)
    summary = export_round(config, state, config.round)
    manifest = json.loads((summary.folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["round"] == str(config.round)
    assert manifest["measured_round"] == str(config.round.next())
    assert manifest["previous_round"] == str(config.round)
    # the stand after the round is the stand on the round's deadline (the time model)
    assert manifest["reference_date"] == config.deadline.isoformat()
    assert manifest["region"] == {"name": config.region_name, "landsdeel": "Oost-Nederland"}
    assert manifest["catalogue"]["version"] == config.catalogue.version
    names = {p.name for p in summary.files}
    assert names == set(manifest["files"]) | {MANIFEST}
    for name, entry in manifest["files"].items():
        data = (summary.folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        if name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert header == entry["columns"], name


def test_export_leaves_private_fields_out_unless_asked(config: Config, state: State) -> None:
    public = export_round(config, state, out_dir=config.paths.outputs / "openbaar")
    header = list(_csv(public.folder / PROJECTS_FILE).columns)
    assert not set(PRIVATE) & set(header)
    assert public.left_out == PRIVATE
    geo = json.loads((public.folder / GEOJSON_FILE).read_text(encoding="utf-8"))
    assert not set(PRIVATE) & set(geo["features"][0]["properties"])
    fields = _csv(public.folder / "velden.csv")
    assert set(fields["private"]) == {"nee"}
    everything = b"".join(p.read_bytes() for p in public.files)
    monitor = state.monitor(config.round)
    explanation = next(v for v in monitor.projects["bottleneck_explanation"] if v)
    assert explanation.encode() not in everything
    for party in state.region().parties:
        assert party.contact_email.encode() not in everything

    full = export_round(
        config, state, out_dir=config.paths.outputs / "compleet", include_private=True
    )
    assert set(PRIVATE) <= set(_csv(full.folder / PROJECTS_FILE).columns)
    assert json.loads((full.folder / MANIFEST).read_text())["private_fields_included"] is True


def test_export_csv_holds_the_monitor_values(config: Config, state: State) -> None:
    summary = export_round(config, state)
    table = _csv(summary.folder / PROJECTS_FILE).set_index("project_id")
    monitor = state.monitor(config.round).projects
    assert len(table) == len(monitor) == summary.projects
    # Oracle: the plain sums of the monitor in the state.
    for key in ("total_dwellings", "completed", "social_rent", f"planning_{config.round.year}"):
        assert pd.to_numeric(table[key]).sum() == pd.to_numeric(monitor[key]).fillna(0).sum()
    first = monitor.index[0]
    assert table.at[first, "municipality"] == monitor.at[first, "municipality"]
    assert table.at[first, "withdrawn"] in {"ja", "nee"}
    dates = [v for v in table["permit_date"] if v]
    assert dates and all(len(v) == 10 and v[4] == "-" for v in dates)  # ISO dates


def test_geojson_points_are_wgs84_and_keep_rd(config: Config, state: State) -> None:
    summary = export_round(config, state)
    geo = json.loads((summary.folder / GEOJSON_FILE).read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection"
    assert len(geo["features"]) == summary.projects
    for feature in geo["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 3.2 < lon < 7.3 and 50.7 < lat < 53.6  # inside the Netherlands, lon first
        assert feature["properties"]["x_rd"] is not None


def test_rd_origin_converts_to_its_published_wgs84_position(config: Config, state: State) -> None:
    """Amersfoort, the origin of RD (155000, 463000), lies at 52.15517440 N, 5.38720621 E."""
    projects = state.monitor(config.round).projects
    first = projects.index[0]
    projects.at[first, "x_rd"], projects.at[first, "y_rd"] = 155000.0, 463000.0
    second = projects.index[1]
    projects.at[second, "x_rd"] = None
    summary = export_round(config, state)
    features = json.loads((summary.folder / GEOJSON_FILE).read_text(encoding="utf-8"))["features"]
    by_id = {f["id"]: f for f in features}
    lon, lat = by_id[first]["geometry"]["coordinates"]
    assert abs(lon - 5.38720621) < 2e-5 and abs(lat - 52.15517440) < 2e-5
    assert by_id[second]["geometry"] is None  # without coordinates, but not left out
    assert summary.with_location == summary.projects - 1


def test_bottleneck_since_is_the_start_of_the_unbroken_run(config: Config, state: State) -> None:
    add_second_snapshot(config, state)
    fields = ind.ProjectFields.from_catalogue(config.catalogue)
    history = [(r, state.monitor(r)) for r in state.snapshots()]
    since = bottleneck_since(history, fields)
    first, second = history[0][1].projects, history[1][1].projects
    for (pid, category), round_ in since.items():
        before = (
            {first.at[pid, s] for s in fields.bottleneck_slots} if pid in first.index else set()
        )
        expected = config.round if category in before else config.round.next()
        assert round_ == expected, (pid, category)
        assert category in {second.at[pid, s] for s in fields.bottleneck_slots}
    assert config.round in since.values() and config.round.next() in since.values()


def test_export_again_replaces_the_folder(config: Config, state: State) -> None:
    first = export_round(config, state)
    (first.folder / "vreemd.txt").write_text("x")
    second = export_round(config, state)
    assert second.folder == first.folder
    assert not (second.folder / "vreemd.txt").exists()
    assert not [p for p in second.folder.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("bad", ["", "Midden-Nederland"])
def test_unknown_landsdeel_is_a_config_error(tmp_path: Path, bad: str) -> None:
    from conftest import REPO

    from pipeline.core import ConfigError
    from pipeline.core import config as config_module

    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('landsdeel = "Oost-Nederland"', f'landsdeel = "{bad}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    if bad:
        with pytest.raises(ConfigError, match="landsdeel"):
            config_module.load(path)
    else:
        assert config_module.load(path).landsdeel == ""
