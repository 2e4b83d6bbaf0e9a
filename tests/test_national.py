"""The national roll-up of the regions' exports: figures against a plain pandas oracle, regions
that differ (older catalogue, other round, corrupted export) and the privacy promise."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_config
from test_reports import add_second_snapshot

from pipeline.core import Catalogue, Config, Round
from pipeline.national.exports import read_export, read_exports
from pipeline.national.generator import generate_regions
from pipeline.national.overview import build_national, dashboard_data
from pipeline.national.rollup import roll_up
from pipeline.stages.export import MANIFEST, PROJECTS_FILE, export_round
from pipeline.state import State

PRIVATE = ("initiator", "municipal_remarks", "bottleneck_explanation", "stoplight_explanation")


@dataclass(frozen=True)
class Exports:
    config: Config
    demo: Path  # the demo region after a merge, exported with its private fields
    generated: tuple[Path, ...]
    base: Path

    @property
    def all(self) -> list[Path]:
        return [self.demo, *self.generated]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory, _demo_database: Path) -> Iterator[Exports]:
    base = tmp_path_factory.mktemp("landelijk")
    cfg = make_config(base)
    cfg.paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_database, cfg.paths.database)
    with State(cfg.paths.database) as state:
        add_second_snapshot(cfg, state)
        demo = export_round(cfg, state, cfg.round, base / "exports", include_private=True)
    made = generate_regions(
        cfg, base / "exports", 3, rounds=[cfg.round, cfg.round, cfg.round.next()]
    )
    yield Exports(cfg, demo.folder, tuple(m.export.folder for m in made), base)


def _copy(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target)
    return target


def _resign(folder: Path) -> None:
    """Recompute the manifest's checksums, as a region whose export is wrong but intact."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        data = (folder / name).read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if name.endswith(".csv"):
            entry["columns"] = data.decode("utf-8-sig").splitlines()[0].split(",")
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _plain(folders: list[Path]) -> pd.DataFrame:
    """The oracle's input: every region's projecten.csv with pandas, regions as a column."""
    frames = []
    for folder in folders:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        frame = pd.read_csv(folder / PROJECTS_FILE, encoding="utf-8-sig")
        frame["region"] = manifest["region"]["name"]
        frame["landsdeel"] = manifest["region"]["landsdeel"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_rollup_totals_equal_a_plain_pandas_groupby(exports: Exports) -> None:
    catalogue = exports.config.catalogue
    read, refused = read_exports(exports.all, catalogue)
    assert refused == []
    rollup = roll_up(read, catalogue)
    plain = _plain(exports.all)
    active = plain[plain["withdrawn"] != "ja"].copy()
    active["to_build"] = (active["total_dwellings"] - active["completed"].fillna(0)).clip(lower=0)
    hard = active["zoning_status"].isin(catalogue.hard_zoning_statuses)
    segments = ["social_rent", "mid_rent", "high_rent", "affordable_buy", "high_buy"]
    by_landsdeel = active.groupby("landsdeel")
    for area in rollup.landsdelen:
        group = by_landsdeel.get_group(area.name)
        assert area.projects == len(group)
        assert area.to_build == round(group["to_build"].sum())
        assert area.capacity.hard == round(group["to_build"][hard[group.index]].sum())
        affordable = group[["social_rent", "mid_rent", "affordable_buy"]].fillna(0).sum().sum()
        assert area.affordability.affordable == round(affordable)
        assert area.affordability.dwellings == round(group[segments].fillna(0).sum().sum())
    assert rollup.country.to_build == round(active["to_build"].sum())
    assert {a.name for a in rollup.landsdelen} == set(plain["landsdeel"])
    # The planning per year only for the years every region plans: the common window.
    years = [y.year for y in rollup.country.completions.years]
    assert years == list(range(exports.config.round.year + 1, exports.config.round.year + 8))
    for y in rollup.country.completions.years:
        assert y.planned == round(active[f"planning_{y.year}"].fillna(0).sum())


def test_recurring_bottlenecks_count_regions_projects_and_dwellings(exports: Exports) -> None:
    catalogue = exports.config.catalogue
    rollup = roll_up(read_exports(exports.all, catalogue)[0], catalogue)
    plain = _plain(exports.all)
    active = plain[plain["withdrawn"] != "ja"].copy()
    active["to_build"] = (active["total_dwellings"] - active["completed"].fillna(0)).clip(lower=0)
    slots = active.melt(
        id_vars=["region", "project_id", "to_build"],
        value_vars=["bottlenecks_1", "bottlenecks_2", "bottlenecks_3"],
        value_name="category",
    ).dropna(subset=["category"])
    slots = slots.drop_duplicates(["region", "project_id", "category"])
    oracle = slots.groupby("category").agg(
        regions=("region", "nunique"),
        projects=("project_id", "size"),
        dwellings=("to_build", "sum"),
    )
    assert {b.category for b in rollup.bottlenecks} == set(oracle.index)
    for b in rollup.bottlenecks:
        row = oracle.loc[b.category]
        assert (len(b.regions), b.projects, b.dwellings) == (
            row["regions"],
            row["projects"],
            round(row["dwellings"]),
        )
        for case in b.cases:
            assert case.region in b.regions
    keys = [(-len(b.regions), -b.dwellings) for b in rollup.bottlenecks]
    assert keys == sorted(keys)
    netcongestie = next(b for b in rollup.bottlenecks if b.category == "netcongestie")
    assert netcongestie.routed_national  # config.toml routes it to the landelijke tafel
    demo = next(r for r in rollup.regions if r.export.folder == exports.demo)
    since = demo.export.bottleneck_since
    assert exports.config.round in since.values()  # named in both snapshots: open since round 1


def test_regions_in_different_rounds_are_said_apart(exports: Exports) -> None:
    catalogue = exports.config.catalogue
    rollup = roll_up(read_exports(exports.all, catalogue)[0], catalogue)
    assert rollup.mixed_rounds
    r = exports.config.round
    assert set(rollup.rounds) == {r, r.next()}
    summary = build_national(exports.all, catalogue, exports.base / "gemengd")
    html = unescape(summary.note_html.read_text(encoding="utf-8"))
    assert "niet in dezelfde ronde" in html
    assert f"{r}: 3 regio's; {r.next()}: 1 regio." in html


def test_one_round_only_leaves_the_others_out_by_name(exports: Exports) -> None:
    r = exports.config.round
    summary = build_national(
        exports.all, exports.config.catalogue, exports.base / "een-ronde", round_=r
    )
    rollup = summary.rollup
    assert not rollup.mixed_rounds
    assert {item.export.round for item in rollup.regions} == {r}
    # the demo region exported round r too (its monitor after the merge); one generated region
    # exported the next round and is named as not taken along
    assert len(rollup.regions) == 3 and len(rollup.refused) == 1
    assert f"niet in {r}" in rollup.refused[0][1]


def test_corrupted_export_is_refused_and_the_others_go_on(exports: Exports, tmp_path: Path) -> None:
    broken = _copy(exports.generated[0], tmp_path / "kapot")
    data = bytearray((broken / PROJECTS_FILE).read_bytes())
    data[500] ^= 0x01
    (broken / PROJECTS_FILE).write_bytes(bytes(data))
    read, refused = read_exports([broken, *exports.generated[1:]], exports.config.catalogue)
    assert len(read) == 2
    assert len(refused) == 1
    folder, reason = refused[0]
    assert folder == broken
    assert "projecten.csv" in reason and "controlegetal" in reason and "nieuwe export" in reason


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda f: (f / MANIFEST).write_text("{niet json", encoding="utf-8"), "onleesbaar"),
        (lambda f: (f / MANIFEST).unlink(), "geen manifest.json"),
        (lambda f: (f / "gemeenten.csv").unlink(), "gemeenten.csv"),
        (
            lambda f: (f / MANIFEST).write_text(
                (f / MANIFEST).read_text().replace('"format_version": 1', '"format_version": 9')
            ),
            "exportformaat 9 is onbekend",
        ),
    ],
)
def test_broken_exports_get_a_dutch_reason(
    exports: Exports, tmp_path: Path, damage: object, expected: str
) -> None:
    from pipeline.national.exports import ExportRefused

    broken = _copy(exports.generated[1], tmp_path / "kapot")
    damage(broken)  # type: ignore[operator]
    with pytest.raises(ExportRefused, match=expected):
        read_export(broken, exports.config.catalogue)


def test_schema_failure_names_row_and_column(exports: Exports, tmp_path: Path) -> None:
    from pipeline.national.exports import ExportRefused

    broken = _copy(exports.generated[1], tmp_path / "schema")
    lines = (broken / PROJECTS_FILE).read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("total_dwellings")] = "veel"
    lines[3] = ",".join(cells)
    (broken / PROJECTS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    _resign(broken)
    with pytest.raises(ExportRefused, match=r"regel 4, kolom total_dwellings: 'veel'"):
        read_export(broken, exports.config.catalogue)


def test_older_catalogue_version_is_mapped_and_its_gaps_said(
    exports: Exports, tmp_path: Path
) -> None:
    older = _copy(exports.generated[1], tmp_path / "ouder")
    projects = pd.read_csv(older / PROJECTS_FILE, encoding="utf-8-sig", dtype=str)
    projects = projects.drop(columns=["circular", "target_group_dwellings"])
    projects.loc[projects.index[:5], "zoning_status"] = "plan in de maak"
    projects.loc[projects.index[5:9], "zoning_status"] = "vastgesteld, niet onherroepelijk"
    projects.to_csv(older / PROJECTS_FILE, index=False, encoding="utf-8-sig")
    manifest = json.loads((older / MANIFEST).read_text(encoding="utf-8"))
    manifest["catalogue"]["version"] = "2025.1"
    (older / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    _resign(older)
    export = read_export(older, exports.config.catalogue)
    notes = " ".join(export.notes)
    assert "Catalogusversie 2025.1" in notes
    assert "circular (Circulair / conceptueel)" in notes
    assert "plan in de maak" in notes and "onbekend" in notes
    assert export.projects["zoning_status"].iloc[:5].isna().all()
    # the older five-step list maps onto the ladder through the catalogue's aliases
    assert set(export.projects["zoning_status"].iloc[5:9]) == {"2A. Vastgesteld"}
    assert "4 waarden van zoning_status uit een oudere lijst omgezet" in notes
    rollup = roll_up([export], exports.config.catalogue)
    assert rollup.differing and rollup.differing[0].export.name == export.name


def test_missing_required_column_refuses_the_region(exports: Exports, tmp_path: Path) -> None:
    from pipeline.national.exports import ExportRefused

    broken = _copy(exports.generated[1], tmp_path / "zonder")
    projects = pd.read_csv(broken / PROJECTS_FILE, encoding="utf-8-sig", dtype=str)
    projects.drop(columns=["total_dwellings"]).to_csv(
        broken / PROJECTS_FILE, index=False, encoding="utf-8-sig"
    )
    _resign(broken)
    with pytest.raises(ExportRefused, match="total_dwellings ontbreken"):
        read_export(broken, exports.config.catalogue)


def test_a_region_twice_counts_once_with_its_latest_round(exports: Exports, tmp_path: Path) -> None:
    again = _copy(exports.generated[2], tmp_path / "nogmaals")
    manifest = json.loads((again / MANIFEST).read_text(encoding="utf-8"))
    manifest["measured_round"] = manifest["round"] = str(Round.parse(manifest["round"]).previous())
    (again / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    read, refused = read_exports([exports.generated[2], again], exports.config.catalogue)
    assert [r.folder for r in read] == [exports.generated[2]]
    assert refused[0][0] == again and "twee keer" in refused[0][1]


def test_generator_is_deterministic_and_regions_differ(exports: Exports, tmp_path: Path) -> None:
    again = generate_regions(exports.config, tmp_path, 2)
    for made, original in zip(again, exports.generated, strict=False):
        data = (made.export.folder / PROJECTS_FILE).read_bytes()
        assert data == (original / PROJECTS_FILE).read_bytes()
    first, second = (m.export.folder / PROJECTS_FILE for m in again)
    assert first.read_bytes() != second.read_bytes()
    names = [json.loads((m.export.folder / MANIFEST).read_text())["region"] for m in again]
    assert names[0]["name"] != names[1]["name"]


def _texts(summary_paths: tuple[Path, ...]) -> str:
    parts = []
    for path in summary_paths:
        if path.suffix == ".pdf":
            parts.append(
                subprocess.run(
                    ["pdftotext", "-layout", str(path), "-"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
        else:
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_no_private_field_or_party_contact_in_any_national_output(
    exports: Exports, _demo_database: Path
) -> None:
    """The demo region's export carries its private fields (exported on purpose with them);
    none of them, and no party contact, may reach the national outputs."""
    catalogue: Catalogue = exports.config.catalogue
    summary = build_national(exports.all, catalogue, exports.base / "privacy")
    demo = next(r.export for r in summary.rollup.regions if r.export.folder == exports.demo)
    assert not set(PRIVATE) & set(demo.projects.columns)  # dropped on reading
    assert "privévelden" in " ".join(demo.notes)
    text = _texts(summary.paths)
    data = json.dumps(dashboard_data(summary.rollup, catalogue), ensure_ascii=False)
    outputs = text + data
    with State(_demo_database) as state:
        region = state.region()
        projects = state.monitor(exports.config.round).projects
    private_values = set()
    for key in PRIVATE:
        if key == "initiator":
            continue  # party ids (P012) are checked through the party names below
        if key in projects.columns:
            private_values |= {str(v) for v in projects[key] if v}
    assert private_values  # the demo has explanations: the check is not empty
    leaked = [v for v in private_values if v in outputs]
    assert leaked == []
    for party in region.parties:
        assert party.contact_email not in outputs
        assert party.contact_name not in outputs
        if party.kind != "gemeente":
            # a market party's or corporation's name is who develops where: private
            assert party.name not in re.sub(r"\s+", " ", outputs), party.name
    for key in PRIVATE:
        assert f'"{key}"' not in data


@pytest.mark.slow
def test_national_dashboard_filters_in_headless_chromium(exports: Exports, tmp_path: Path) -> None:
    from test_reports import _chromium

    summary = build_national(exports.all, exports.config.catalogue, exports.base / "chromium")
    landsdeel = summary.rollup.landsdelen[0].name
    expected = [r.export.name for r in summary.rollup.regions if r.export.landsdeel == landsdeel]
    url = summary.dashboard.as_uri() + "#test-filter=landsdeel=" + landsdeel
    result = _chromium(["--dump-dom", url], tmp_path / "profile")
    html_tag = re.search(r"<html[^>]*>", result.stdout)
    assert html_tag is not None and "data-errors" not in html_tag.group(0)
    output = re.search(r'<output id="test-result"[^>]*>(.*?)</output>', result.stdout, re.S)
    assert output is not None
    shown = json.loads(output.group(1).replace("&quot;", '"'))
    assert shown["regions"] == expected
    rows = re.search(r'<table id="regions">.*?</table>', result.stdout, re.S)
    assert rows is not None and rows.group(0).count("<tr>") == len(expected) + 1
    # The map shows one point per municipality with located active projects, in the selection.
    municipalities = set()
    for item in summary.rollup.regions:
        if item.export.landsdeel != landsdeel:
            continue
        projects = item.export.projects
        active = projects[projects["withdrawn"] != True]  # noqa: E712
        located = active[active["x_rd"].notna() & active["y_rd"].notna()]
        municipalities |= {(item.export.name, m) for m in located["municipality"]}
    figure = re.search(r'<figure class="planmap" id="kaart"[^>]*>', result.stdout)
    assert figure is not None
    assert f'data-shown="{len(municipalities)}"' in figure.group(0)
    assert shown["mapPoints"] == len(municipalities)


def test_a_zipped_export_reads_like_its_folder(exports: Exports, tmp_path: Path) -> None:
    from pipeline.national.exports import find_exports

    with State(exports.config.paths.database) as state:
        summary = export_round(exports.config, state, out_dir=tmp_path / "uit", zip_file=True)
    assert summary.zip_file is not None
    drop = tmp_path / "ingeleverd"
    drop.mkdir()
    shutil.copy(summary.zip_file, drop / summary.zip_file.name)
    found = find_exports([drop])
    assert found == [drop / summary.zip_file.name]
    from_zip = read_export(found[0], exports.config.catalogue)
    from_folder = read_export(summary.folder, exports.config.catalogue)
    assert from_zip.name == from_folder.name
    pd.testing.assert_frame_equal(from_zip.projects, from_folder.projects)


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_hostile_zip_is_refused(exports: Exports, tmp_path: Path) -> None:
    from pipeline.national.exports import ExportRefused

    folder = exports.generated[0]
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    outside = _zip(tmp_path / "uit.zip", {**files, "../../buiten.txt": b"x"})
    with pytest.raises(ExportRefused, match="niet bij elkaar in één map"):
        read_export(outside, exports.config.catalogue)
    damaged = tmp_path / "kapot.zip"
    damaged.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(ExportRefused, match=r"geen map en geen zipbestand|onleesbaar"):
        read_export(damaged, exports.config.catalogue)
    nested = _zip(tmp_path / "map.zip", {f"export/{n}": d for n, d in files.items()})
    assert read_export(nested, exports.config.catalogue).name  # one folder inside is fine


def test_a_manifest_of_the_wrong_shape_is_refused_not_a_traceback(
    exports: Exports, tmp_path: Path
) -> None:
    from pipeline.national.exports import ExportRefused

    for key, value in (("catalogue", "2026.1"), ("realism", {"mean_year_slip": "veel"})):
        broken = _copy(exports.generated[0], tmp_path / key)
        manifest = json.loads((broken / MANIFEST).read_text(encoding="utf-8"))
        manifest[key] = value
        (broken / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        with pytest.raises(ExportRefused, match="manifest is onvolledig"):
            read_export(broken, exports.config.catalogue)


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1440])
def test_national_dashboard_fits_a_phone_and_a_region_row_selects_it(
    exports: Exports, width: int
) -> None:
    from browser import Browser

    summary = build_national(exports.all, exports.config.catalogue, exports.base / f"b{width}")
    target = summary.rollup.regions[-1].export
    with Browser() as browser:
        browser.open(summary.dashboard.as_uri(), width, 844 if width < 600 else 900)
        sizes = browser.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
        )
        assert sizes[2] == width and max(sizes[:2]) <= width, sizes
        browser.click_element(f'#regions button[data-region="{target.name}"]')
        result = json.loads(browser.evaluate("document.getElementById('test-result').textContent"))
        assert result["regions"] == [target.name]
        assert browser.evaluate("document.getElementById('f-landsdeel').value") == target.landsdeel
        assert browser.evaluate("document.documentElement.getAttribute('data-errors')") is None
