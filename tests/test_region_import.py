"""Importing a real region: every table format, every problem reported at once, in Dutch."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import make_config

from pipeline.cli import main
from pipeline.core import Config
from pipeline.sources import ImportResult, parse_number
from pipeline.sources import import_region as _import_region
from pipeline.workbook import read_workbook_tables

MUNICIPALITIES = "code,name,subregion\nGM0202,Arnhem,Noord\nGM0268,Nijmegen,Zuid\n"
PILLARS = "number,name\n1,Woningbouw\n"
PARTIES = (
    "id,name,kind,municipality_code,pillars\n"
    "P001,Gemeente Arnhem,gemeente,GM0202,1\n"
    "P002,Gemeente Nijmegen,gemeente,GM0268,\n"
    "P003,Bouwbedrijf Één,ontwikkelaar,,\n"
)
PROJECT_HEADER = (
    "project_id,name,municipality,initiator,zoning_status,permit_status,total_dwellings,"
    "completed,planning_2027,phase,stoplight,x_rd"
)
AGREEMENTS = "agreement_id,pillar,text,status\n1.1,1,Sneller bouwen,groen\n"


def project(number: int, **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "project_id": f"PRJ-{number:04d}",
        "name": f"Plan {number}",
        "municipality": "GM0202",
        "initiator": "P003",
        "zoning_status": "2A. Vastgesteld",
        "permit_status": "aangevraagd",
        "total_dwellings": "10",
        "completed": "0",
        "planning_2027": "10",
        "phase": "planvorming",
        "stoplight": "groen",
        "x_rd": "190500",
    }
    row.update(cells)
    return row


def csv_text(rows: list[dict[str, Any]], delimiter: str = ",", header: str = PROJECT_HEADER) -> str:
    keys = header.split(",")
    lines = [delimiter.join(keys)]
    for row in rows:
        lines.append(delimiter.join(_quoted(str(row.get(k, "")), delimiter) for k in keys))
    return "\n".join(lines) + "\n"


def _quoted(text: str, delimiter: str) -> str:
    return f'"{text}"' if delimiter in text else text


def region_folder(
    base: Path,
    projects: str,
    *,
    parties: str = PARTIES,
    municipalities: str = MUNICIPALITIES,
    encoding: str = "utf-8",
) -> Path:
    folder = base / "regio"
    folder.mkdir(exist_ok=True)
    (folder / "gemeenten.csv").write_text(municipalities, encoding=encoding)
    (folder / "pijlers.csv").write_text(PILLARS, encoding=encoding)
    (folder / "partijen.csv").write_text(parties, encoding=encoding)
    (folder / "projecten.csv").write_text(projects, encoding=encoding)
    (folder / "afspraken.csv").write_text(AGREEMENTS, encoding=encoding)
    return folder


def import_region(config: Config, source: Path) -> ImportResult:
    """The import as init runs it: workbooks read by the workbook package."""
    return _import_region(config, source, read_workbook_tables)


def codes(result: Any) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in result.findings if f.blocking]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


# -- formats ------------------------------------------------------------------------------------


def test_import_reads_a_plain_region(config: Config, tmp_path: Path) -> None:
    folder = region_folder(tmp_path, csv_text([project(1), project(2, municipality="Nijmegen")]))
    result = import_region(config, folder)
    assert codes(result) == []
    assert result.monitor is not None and result.region is not None
    assert [p.id for p in result.region.parties] == ["P001", "P002", "P003"]
    row = result.monitor.projects.loc["PRJ-0002"]
    assert (row["municipality"], row["subregion"], row["total_dwellings"]) == ("GM0268", "Zuid", 10)
    assert result.counts == {
        "municipalities": 2,
        "pillars": 1,
        "parties": 3,
        "projects": 2,
        "agreements": 1,
    }


def test_import_reads_what_dutch_excel_writes(config: Config, tmp_path: Path) -> None:
    """Semicolons, Windows-1252, decimal commas and thousands dots."""
    rows = [
        project(
            1, name="Één en ander", x_rd="190500,5", total_dwellings="1.200", planning_2027="1.200"
        )
    ]
    folder = region_folder(
        tmp_path,
        csv_text(rows, delimiter=";"),
        parties=PARTIES.replace(",", ";"),
        encoding="cp1252",
    )
    result = import_region(config, folder)
    assert codes(result) == []
    assert result.monitor is not None and result.region is not None
    row = result.monitor.projects.loc["PRJ-0001"]
    assert (row["name"], row["x_rd"], row["total_dwellings"]) == ("Één en ander", 190500.5, 1200)
    assert result.region.party("P003").name == "Bouwbedrijf Één"


def test_import_reads_utf8_with_bom(config: Config, tmp_path: Path) -> None:
    folder = region_folder(tmp_path, csv_text([project(1)]), encoding="utf-8-sig")
    result = import_region(config, folder)
    assert codes(result) == []
    assert result.monitor is not None
    assert list(result.monitor.projects.index) == ["PRJ-0001"]


def test_import_reads_a_workbook_with_a_sheet_per_table(config: Config, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, text in (
        ("gemeenten", MUNICIPALITIES),
        ("partijen", PARTIES),
        ("projecten", csv_text([project(1)])),
    ):
        sheet = book.create_sheet(title)
        for line in text.strip().splitlines():
            sheet.append([_typed(c) for c in line.split(",")])
    path = tmp_path / "regio.xlsx"
    book.save(path)
    result = import_region(config, path)
    assert codes(result) == []
    assert result.monitor is not None
    assert result.monitor.projects.loc["PRJ-0001", "total_dwellings"] == 10
    assert [f.code for f in result.findings] == ["import-no-agreements"]


def test_import_finds_the_header_below_a_title(config: Config, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, text in (
        ("gemeenten", MUNICIPALITIES),
        ("partijen", PARTIES),
        ("projecten", csv_text([project(1)])),
    ):
        sheet = book.create_sheet(title)
        if title == "projecten":
            sheet.append(["Woningbouwplannen regio, stand 1 juli 2026"])
            sheet.append([])
        for line in text.strip().splitlines():
            sheet.append([_typed(c) for c in line.split(",")])
    path = tmp_path / "regio.xlsx"
    book.save(path)
    result = import_region(config, path)
    assert codes(result) == []
    header = next(f for f in result.findings if f.code == "import-header-row")
    assert "regel 3" in header.message
    assert result.positions[("project", "PRJ-0001")].row == 4


def test_import_reads_a_folder_with_a_workbook_per_list(config: Config, tmp_path: Path) -> None:
    folder = region_folder(tmp_path, csv_text([project(1), project(2)]))
    (folder / "projecten.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    for line in csv_text([project(1), project(2)]).strip().splitlines():
        sheet.append([_typed(c) for c in line.split(",")])
    book.save(folder / "projecten.xlsx")
    result = import_region(config, folder)
    assert codes(result) == []
    assert result.monitor is not None and len(result.monitor.projects) == 2


def test_import_reads_excels_unicode_text(config: Config, tmp_path: Path) -> None:
    """Excel's "Unicode-tekst": UTF-16 with a BOM, tab-separated."""
    folder = region_folder(tmp_path, csv_text([project(1, name="Één")]))
    text = csv_text([project(1, name="Één")], delimiter="\t")
    (folder / "projecten.csv").write_bytes(text.encode("utf-16"))
    result = import_region(config, folder)
    assert codes(result) == []
    assert result.monitor is not None
    assert result.monitor.projects.loc["PRJ-0001", "name"] == "Één"


def _typed(text: str) -> Any:
    return int(text) if text.isdigit() else text or None


def test_import_takes_the_regions_own_headers_from_config(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    config = config.__class__(
        **{
            **config.__dict__,
            "import_settings": config.import_settings.__class__(
                columns={"projects": {"Plannaam": "name", "Woningen": "total_dwellings"}}
            ),
        }
    )
    header = PROJECT_HEADER.replace("name,", "Plannaam,").replace("total_dwellings", "Woningen")
    text = csv_text([project(1)]).replace(PROJECT_HEADER, header)
    result = import_region(config, region_folder(tmp_path, text))
    assert codes(result) == []
    assert result.monitor is not None
    assert result.monitor.projects.loc["PRJ-0001", "name"] == "Plan 1"


def test_import_maps_registry_headers_from_config(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    mapping = {"parties": {"Organisatie": "name", "Rol": "kind"}}
    config = replace(config, import_settings=replace(config.import_settings, columns=mapping))
    parties = PARTIES.replace("id,name,kind,", "id,Organisatie,Rol,")
    result = import_region(config, region_folder(tmp_path, csv_text([project(1)]), parties=parties))
    assert codes(result) == []
    assert result.region is not None and result.region.party("P003").kind == "ontwikkelaar"


def test_import_accepts_workbook_labels_as_headers(config: Config, tmp_path: Path) -> None:
    header = PROJECT_HEADER.replace("name,", "Projectnaam,").replace(
        "total_dwellings", "Totaal woningen"
    )
    text = csv_text([project(1)]).replace(PROJECT_HEADER, header)
    result = import_region(config, region_folder(tmp_path, text))
    assert codes(result) == []


def test_import_reads_years_as_plan_lists_write_them(config: Config, tmp_path: Path) -> None:
    header = PROJECT_HEADER.replace("planning_2027", "2027") + ",2028,later,jaar onbekend"
    rows = [project(1, total_dwellings="40", **{"2027": "10", "2028": "5", "later": "20"})]
    rows[0]["jaar onbekend"] = "5"
    result = import_region(config, region_folder(tmp_path, csv_text(rows, header=header)))
    assert codes(result) == []
    assert result.monitor is not None
    row = result.monitor.projects.loc["PRJ-0001"]
    assert (row["planning_2027"], row["planning_2028"], row["planning_later"]) == (10, 5, 20)
    assert row["planning_unknown"] == 5


def test_import_puts_years_outside_the_round_in_later_and_unknown(
    config: Config, tmp_path: Path
) -> None:
    header = PROJECT_HEADER.replace("planning_2027", "2027") + ",2025,2040,2041"
    rows = [
        project(1, total_dwellings="40", **{"2027": "10", "2025": "6", "2040": "20", "2041": "4"})
    ]
    result = import_region(config, region_folder(tmp_path, csv_text(rows, header=header)))
    assert codes(result) == []
    assert result.monitor is not None
    row = result.monitor.projects.loc["PRJ-0001"]
    assert (row["planning_2027"], row["planning_later"], row["planning_unknown"]) == (10, 24, 6)
    outside = [f.message for f in result.findings if f.code == "import-years-outside-window"]
    assert len(outside) == 2 and any("'2040' en '2041'" in m for m in outside)
    assert not any(f.code == "import-column-unknown" for f in result.findings)


def test_import_maps_older_lists_and_codes_onto_the_ladder(config: Config, tmp_path: Path) -> None:
    rows = [
        project(1, zoning_status="onherroepelijk"),
        project(2, zoning_status="2b"),
        project(3, zoning_status="1A Onherroepelijk"),
        project(4, zoning_status="initiatief / visie"),
        project(5, zoning_status=""),
    ]
    result = import_region(config, region_folder(tmp_path, csv_text(rows)))
    assert codes(result) == []
    assert result.monitor is not None
    assert list(result.monitor.projects["zoning_status"]) == [
        "1A. Onherroepelijk",
        "2B. Vastgesteld, uitwerkingsplicht",
        "1A. Onherroepelijk",
        "4A. Visie",
        "onbekend",
    ]
    mapped = {f.value: f.message for f in result.findings if f.code == "import-value-mapped"}
    assert "ingelezen als '1A. Onherroepelijk' (1×)" in mapped["onherroepelijk"]
    assert "ingelezen als 'onbekend'" in mapped[""]


def test_import_puts_plans_without_years_under_unknown_year(config: Config, tmp_path: Path) -> None:
    rows = [project(1, planning_2027="", total_dwellings="40", completed="10")]
    result = import_region(config, region_folder(tmp_path, csv_text(rows)))
    assert codes(result) == []
    assert result.monitor is not None
    assert result.monitor.projects.loc["PRJ-0001", config.catalogue.unknown_year_key] == 30
    assert any(
        f.code == "import-year-unknown" and "30 woningen" in f.message for f in result.findings
    )


def test_import_accepts_real_plan_sizes(config: Config, tmp_path: Path) -> None:
    rows = [
        project(1, total_dwellings="25000", planning_2027="25000"),
        project(2, total_dwellings="80", completed="80", planning_2027=""),
    ]
    result = import_region(config, region_folder(tmp_path, csv_text(rows)))
    assert codes(result) == []


# -- every error path ---------------------------------------------------------------------------


def test_import_source_missing(config: Config, tmp_path: Path) -> None:
    result = import_region(config, tmp_path / "bestaat-niet")
    assert [f.code for f in result.findings] == ["import-source-missing"]
    assert result.monitor is None


def test_import_table_missing(config: Config, tmp_path: Path) -> None:
    folder = region_folder(tmp_path, csv_text([project(1)]))
    (folder / "partijen.csv").unlink()
    result = import_region(config, folder)
    assert [f.code for f in result.findings] == ["import-table-missing"]
    assert "'partijen'" in result.findings[0].message


def test_import_file_in_no_known_encoding(config: Config, tmp_path: Path) -> None:
    folder = region_folder(tmp_path, csv_text([project(1)]))
    (folder / "projecten.csv").write_bytes(b"project_id,name\nPRJ-0001,Plan \x81\n")
    result = import_region(config, folder)
    assert [f.code for f in result.findings] == ["import-file-unreadable"]
    assert "projecten.csv" in result.findings[0].message


def test_import_damaged_workbook(config: Config, tmp_path: Path) -> None:
    folder = region_folder(tmp_path, csv_text([project(1)]))
    (folder / "projecten.csv").unlink()
    (folder / "projecten.xlsx").write_bytes(b"PK\x03\x04 niet echt")
    result = import_region(config, folder)
    assert [f.code for f in result.findings] == ["import-file-unreadable"]


def test_import_column_missing_names_what_was_found(config: Config, tmp_path: Path) -> None:
    text = csv_text([project(1)]).replace("total_dwellings", "woningen")
    result = import_region(config, region_folder(tmp_path, text))
    missing = [f for f in result.findings if f.code == "import-column-missing"]
    assert len(missing) == 1
    assert "'Totaal woningen'" in missing[0].message and "'woningen'" in missing[0].message
    assert "[import.columns.projects]" in missing[0].message
    assert result.monitor is None


def test_import_column_twice(config: Config, tmp_path: Path) -> None:
    text = csv_text([project(1)]).replace("x_rd", "name")
    result = import_region(config, region_folder(tmp_path, text))
    assert ("import-column-twice", "L1") in codes(result)


def test_import_unknown_column_is_a_warning(config: Config, tmp_path: Path) -> None:
    text = csv_text([project(1)]).replace("x_rd", "opmerking")
    result = import_region(config, region_folder(tmp_path, text))
    assert codes(result) == []
    assert [(f.code, f.cell) for f in result.findings if f.code == "import-column-unknown"] == [
        ("import-column-unknown", "L1")
    ]


def test_import_value_missing(config: Config, tmp_path: Path) -> None:
    result = import_region(config, region_folder(tmp_path, csv_text([project(1, name="")])))
    assert codes(result) == [("import-value-missing", "B2")]


def test_import_invalid_values_say_what_is_allowed(config: Config, tmp_path: Path) -> None:
    rows = [
        project(1, total_dwellings="veel"),
        project(2, total_dwellings="-5"),
        project(3, phase="bijna klaar"),
        project(4, x_rd="abc"),
    ]
    result = import_region(config, region_folder(tmp_path, csv_text(rows)))
    assert codes(result) == [
        ("import-value-invalid", "G2"),
        ("import-value-invalid", "G3"),
        ("import-value-invalid", "J4"),
        ("import-value-invalid", "L5"),
    ]
    first, low, phase, _ = (f.message for f in result.findings if f.blocking)
    assert "'veel' is geen heel getal" in first and "regel 2" in first and "projecten.csv" in first
    assert "lager dan het minimum 0" in low
    assert "'planvorming'" in phase and "'bijna klaar'" in phase


def test_import_duplicate_ids(config: Config, tmp_path: Path) -> None:
    parties = PARTIES + "P003,Nog een,corporatie,,\n"
    municipalities = MUNICIPALITIES + "GM0202,Arnhem,Noord\n"
    folder = region_folder(
        tmp_path,
        csv_text([project(1), project(1, name="Ander plan")]),
        parties=parties,
        municipalities=municipalities,
    )
    result = import_region(config, folder)
    assert sorted(codes(result)) == [
        ("import-duplicate-id", "A3"),
        ("import-duplicate-id", "A4"),
        ("import-duplicate-id", "A5"),
    ]
    project_finding = next(f for f in result.findings if f.file == "projecten.csv")
    assert "regel 2" in project_finding.message


def test_import_unknown_references(config: Config, tmp_path: Path) -> None:
    rows = [project(1, municipality="GM9999"), project(2, initiator="P404")]
    result = import_region(config, region_folder(tmp_path, csv_text(rows)))
    assert codes(result) == [("import-unknown-reference", "C2"), ("import-unknown-reference", "D3")]
    assert "'GM0202 (Arnhem)'" in result.findings[0].message


def test_import_registry_problems(config: Config, tmp_path: Path) -> None:
    parties = (
        PARTIES
        + "P004,Gemeente Zonder,gemeente,,\nP005,Wie,aannemer,,\nP006,Waar,gemeente,GM0001,\n"
    )
    municipalities = MUNICIPALITIES + "0202,Fout,Noord\n"
    folder = region_folder(
        tmp_path, csv_text([project(1)]), parties=parties, municipalities=municipalities
    )
    result = import_region(config, folder)
    assert sorted(codes(result)) == [
        ("import-municipality-party-without-code", "D5"),
        ("import-unknown-reference", "D7"),
        ("import-value-invalid", "A4"),
        ("import-value-invalid", "C6"),
    ]


def test_import_tempomaker_of_an_unknown_pillar(config: Config, tmp_path: Path) -> None:
    parties = PARTIES.replace("GM0268,\n", "GM0268,7\n")
    result = import_region(config, region_folder(tmp_path, csv_text([project(1)]), parties=parties))
    assert codes(result) == [("import-unknown-reference", "E3")]
    assert "pijler '7'" in result.findings[0].message


def test_import_peildatum_from_config_and_from_a_column(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    config = replace(
        config, import_settings=replace(config.import_settings, reference_date=dt.date(2026, 7, 1))
    )
    header = PROJECT_HEADER + ",Peildatum"
    rows = [project(1, Peildatum="15-03-2026"), project(2)]
    result = import_region(config, region_folder(tmp_path, csv_text(rows, header=header)))
    assert codes(result) == []
    assert result.monitor is not None
    dates = result.monitor.projects["reference_date"]
    assert list(dates) == [dt.date(2026, 3, 15), dt.date(2026, 7, 1)]


def test_parse_number_reads_dutch_and_english() -> None:
    assert parse_number("1.200", decimal_comma=True) == 1200
    assert parse_number("12,5", decimal_comma=True) == 12.5
    assert parse_number("1,200", decimal_comma=False) == 1200
    assert parse_number("12.5", decimal_comma=False) == 12.5
    assert parse_number("12a", decimal_comma=True) is None


# -- the messy region of the issue: everything in one run --------------------------------------


def messy_region(base: Path) -> Path:
    """Semicolons, Windows-1252, a BOM, Dutch decimals, a duplicate id, an unknown
    municipality and 30 bad rows."""
    rows = [project(n, name=f"Wijk Één {n}", x_rd="190500,25") for n in range(1, 41)]
    for n in range(1, 31):
        rows[n - 1]["total_dwellings"] = "veel"
    rows.append(project(40, name="Dubbel"))
    rows.append(project(41, municipality="Atlantis"))
    folder = region_folder(
        base, csv_text(rows, delimiter=";"), parties=PARTIES.replace(",", ";"), encoding="cp1252"
    )
    bom = "\ufeff" + MUNICIPALITIES
    (folder / "gemeenten.csv").write_text(bom, encoding="utf-8")
    return folder


def test_messy_region_gets_every_problem_in_one_run(config: Config, tmp_path: Path) -> None:
    result = import_region(config, messy_region(tmp_path))
    assert sorted({f.code for f in result.findings if f.blocking}) == [
        "import-duplicate-id",
        "import-unknown-reference",
        "import-value-invalid",
    ]
    assert sum(f.code == "import-value-invalid" for f in result.findings) == 30
    assert result.monitor is None


def test_init_refuses_a_messy_region_and_writes_nothing(tmp_path: Path) -> None:
    folder = messy_region(tmp_path)
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        '[region]\nname = "Rommelregio"\nsource = "regio"\n'
        '[round]\ncurrent = "2026-H2"\ndeadline = 2027-01-15\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    outcome = runner.invoke(main, ["--config", str(config_path), "init", "--json"])
    assert outcome.exit_code == 2, outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)
    data = json.loads(outcome.stdout)
    assert data["errors"] == 32
    assert {f["code"] for f in data["findings"]} >= {
        "import-duplicate-id",
        "import-unknown-reference",
    }
    assert not (tmp_path / "var").exists()
    text = runner.invoke(main, ["--config", str(config_path), "init", "--bron", str(folder)])
    assert text.exit_code == 2
    assert "Traceback" not in text.output
    assert "32 fouten" in text.output
    assert "regel" in text.output and "projecten.csv" in text.output


def _config_file(base: Path) -> Path:
    path = base / "config.toml"
    path.write_text(
        '[region]\nname = "Proefregio"\nsource = "regio"\n'
        '[round]\ncurrent = "2026-H2"\ndeadline = 2027-01-15\n'
        "[price_bounds.2026]\nsocial_rent_max = 932.93\nmid_rent_max = 1228.07\n"
        "affordable_buy_max = 420000\n",
        encoding="utf-8",
    )
    return path


def test_init_refuses_rows_that_break_the_rules_unless_asked(tmp_path: Path) -> None:
    """The catalogue's cross-field rules run over the secretary's data, as over a party's."""
    rows = [project(1), project(2, total_dwellings="12"), project(3)]
    region_folder(tmp_path, csv_text(rows))
    config_path = _config_file(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(main, ["--config", str(config_path), "init", "--json"])
    assert refused.exit_code == 2, refused.output
    data = json.loads(refused.stdout)
    assert [(f["code"], f["file"], f["cell"], f["row_id"]) for f in data["findings"]] == [
        ("year-slices-do-not-add-up", "projecten.csv", "G3", "PRJ-0002")
    ]
    assert "In rij 3" in data["findings"][0]["message"]
    assert not (tmp_path / "var").exists()
    started = runner.invoke(main, ["--config", str(config_path), "init", "--toch-starten"])
    assert started.exit_code == 0, started.output
    assert "let op [year-slices-do-not-add-up]" in started.output
    assert "3 projecten" in started.output
    assert (tmp_path / "var" / "state").is_dir()
    issued = runner.invoke(main, ["--config", str(config_path), "issue"])
    assert issued.exit_code == 0, issued.output
    texts = {  # the workbooks in the party folders (the archive keeps copies under their hash)
        path.name: _instructions(path) for path in (tmp_path / "var").rglob("Planmonitor *.xlsx")
    }
    owner = next(t for name, t in texts.items() if "Bouwbedrijf" in name)
    assert "Nog te herstellen in uw projecten" in owner
    assert "PRJ-0002 Plan 2: In rij 4 is al opgeleverd" in owner
    others = {name: t for name, t in texts.items() if "Bouwbedrijf" not in name}
    assert others and not [n for n, t in others.items() if "Nog te herstellen" in t]


def _instructions(path: Path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book["Toelichting"].iter_rows(values_only=True)
        return "\n".join(str(c) for row in rows for c in row if c)
    finally:
        book.close()


def test_init_can_only_check(tmp_path: Path) -> None:
    region_folder(tmp_path, csv_text([project(1)]))
    config_path = _config_file(tmp_path)
    outcome = CliRunner().invoke(
        main, ["--config", str(config_path), "init", "--alleen-controleren"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "geen blokkerende fouten" in outcome.output
    assert not (tmp_path / "var").exists()


def test_init_caps_what_the_terminal_shows_and_json_has_all(tmp_path: Path) -> None:
    rows = [project(n, total_dwellings="veel") for n in range(1, 131)]
    region_folder(tmp_path, csv_text(rows))
    config_path = _config_file(tmp_path)
    runner = CliRunner()
    text = runner.invoke(main, ["--config", str(config_path), "init"])
    assert text.exit_code == 2
    assert text.output.count("[import-value-invalid]") == 100
    assert "… en nog 30 bevindingen" in text.output
    data = json.loads(runner.invoke(main, ["--config", str(config_path), "init", "--json"]).stdout)
    assert data["errors"] == 130


def test_other_commands_do_not_start_a_region_with_errors(tmp_path: Path) -> None:
    region_folder(tmp_path, csv_text([project(1, total_dwellings="veel")]))
    config_path = _config_file(tmp_path)
    outcome = CliRunner().invoke(main, ["--config", str(config_path), "status"])
    assert outcome.exit_code == 2
    assert "planmonitor init" in outcome.output and "1 blokkerende fout." in outcome.output
