"""The xlwings Lite parts in every party workbook: present, well-formed, like a workbook really
saved by xlwings Lite, and kept wherever planmonitor saves a party workbook again."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from party_workbooks import edit, issued
from python_calamine import CalamineWorkbook

from pipeline.core.config import Config
from pipeline.core.layout import FIRST_DATA_ROW, SHEET_META, SHEET_MONITOR, SHEET_NEW, SHEET_OWN
from pipeline.demo.excel import script_settings
from pipeline.state.database import State
from pipeline.validation import SHEET_CHECK, decode_payload
from pipeline.workbook import lite
from pipeline.workbook.feedback import write_feedback

FIXTURE = Path(__file__).parent / "fixtures" / "xlwings_lite"
WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"
TP = "{http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11}"


@pytest.fixture
def workbook(config: Config, state: State) -> bytes:
    return issued(config, state)[1]


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def shape(element: ElementTree.Element) -> list[tuple[str, tuple[str, ...]]]:
    """Tags and attribute names, depth first: the structure without the values."""
    return [(e.tag, tuple(sorted(e.attrib))) for e in element.iter()]


def test_parts_have_the_structure_of_a_workbook_saved_by_xlwings_lite(workbook: bytes) -> None:
    parts = entries(workbook)
    ours = ElementTree.fromstring(parts[lite.WEBEXTENSION])
    real = ElementTree.fromstring((FIXTURE / "webextension1.xml").read_bytes())
    # Same elements and attributes, except the properties we add to open the task pane.
    assert [s for s in shape(ours) if s[0] != f"{WE}property"] == [
        s for s in shape(real) if s[0] != f"{WE}property"
    ]
    real_ref = real.find(f"{WE}reference")
    our_ref = ours.find(f"{WE}reference")
    assert real_ref is not None and our_ref is not None
    for key in ("id", "version", "storeType"):
        assert our_ref.get(key) == real_ref.get(key)
    real_props = {p.get("name") for p in real.iter(f"{WE}property")}
    our_props = {p.get("name") for p in ours.iter(f"{WE}property")}
    assert real_props == {"main.py", "requirements.txt", "pyodideVersion", "addinVersion"}
    assert real_props <= our_props
    assert shape(ElementTree.fromstring(parts[lite.TASKPANES])) == shape(
        ElementTree.fromstring((FIXTURE / "taskpanes.xml").read_bytes())
    )
    assert parts[lite.TASKPANES_RELS] == (FIXTURE / "taskpanes.xml.rels").read_bytes()
    excerpt = (FIXTURE / "package-excerpt.xml").read_text(encoding="utf-8")
    for override in re.findall(r"<Override [^>]*/>", excerpt):
        assert override.encode() in parts["[Content_Types].xml"]
    (relationship,) = re.findall(r'Type="([^"]*)" Target="([^"]*)"', excerpt)
    assert f'Type="{relationship[0]}" Target="{relationship[1]}"'.encode() in parts["_rels/.rels"]


def test_task_pane_opens_with_the_workbook(workbook: bytes) -> None:
    parts = entries(workbook)
    pane = ElementTree.fromstring(parts[lite.TASKPANES]).find(f"{TP}taskpane")
    assert pane is not None and pane.get("visibility") == "1"
    props = {
        p.get("name"): p.get("value")
        for p in ElementTree.fromstring(parts[lite.WEBEXTENSION]).iter(f"{WE}property")
    }
    assert props["Office.AutoShowTaskpaneWithDocument"] == "true"
    settings = json.loads(json.loads(str(props["xlwingsSettingsWorkbook"])))
    assert settings == {"startupBehavior": "taskpane", "appMode": True}


def test_main_py_compiles_and_has_one_dutch_button(workbook: bytes, config: Config) -> None:
    script = lite.embedded(workbook)
    assert script is not None
    compile(script.main_py, "main.py", "exec")
    settings = script_settings(script.main_py)
    assert settings["name"] == "Controleer mijn invoer"
    assert settings["include"] == [SHEET_OWN, SHEET_NEW, "Afspraken", SHEET_CHECK, SHEET_META]
    doc = settings["doc"]
    assert "secretariaat" in doc and "beslissend" in doc and "niets van uw computer" in doc
    assert settings["module_doc"].lstrip().startswith("# Planmonitor")
    payload = re.search(r"PAYLOAD = \(\n(.*?)\)\n", script.main_py, re.S)
    assert payload is not None
    text = "".join(re.findall(r'"([^"]*)"', payload.group(1)))
    decoded = decode_payload(text)
    assert decoded.layout.party == "P010"
    assert decoded.catalogue == config.catalogue


def test_requirements_pin_pure_python_packages_only(workbook: bytes) -> None:
    script = lite.embedded(workbook)
    assert script is not None
    lines = script.requirements.splitlines()
    assert lines[:4] == [
        f"xlwings=={lite.XLWINGS_VERSION}  # required",
        "python-dotenv==1.0.1  # required",
        "pyodide-http  # required",
        "black  # required",
    ]
    pinned = {line.split("==")[0] for line in lines[4:] if "==" in line}
    unpinned = {line for line in lines[4:] if "==" not in line}
    assert pinned == {"pandera", "typeguard", "typing-inspect", "mypy-extensions"}
    assert {"pandas", "numpy", "pydantic"} <= unpinned
    assert "python-calamine" not in script.requirements


def test_the_same_issue_gives_the_same_script(config: Config, state: State) -> None:
    first = lite.embedded(issued(config, state)[1])
    second = lite.embedded(issued(config, state)[1])
    assert first is not None and second is not None
    assert first.sha256 == second.sha256
    other = lite.embedded(issued(config, state, "P001")[1])
    assert other is not None and other.sha256 != first.sha256


def test_workbook_reads_back_identically_in_openpyxl_and_calamine(
    config: Config, state: State
) -> None:
    _, data = issued(config, state)
    parts = entries(data)
    without = io.BytesIO()
    with zipfile.ZipFile(without, "w") as archive:
        for name, content in parts.items():
            if not name.startswith("xl/webextensions/"):
                if name == "[Content_Types].xml":
                    content = re.sub(
                        rb'<Override PartName="/xl/webextensions/[^>]*/>', b"", content
                    )
                if name == "_rels/.rels":
                    content = re.sub(
                        rb"<Relationship [^>]*webextensiontaskpanes[^>]*/>", b"", content
                    )
                archive.writestr(name, content)
    for reader in (_openpyxl_values, _calamine_values):
        assert reader(data) == reader(without.getvalue())


def _openpyxl_values(data: bytes) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {
        name: [list(r) for r in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
        if name not in (SHEET_MONITOR,)
    }


def _calamine_values(data: bytes) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = {}
    for name in book.sheet_names:
        if name == SHEET_MONITOR:
            continue
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        out[name] = [[None if v == "" else v for v in row] for row in rows]
    return out


def test_parts_survive_every_resave(config: Config, state: State) -> None:
    layout, data = issued(config, state)
    script = lite.embedded(data)
    assert script is not None
    # A party's save (Excel keeps them; the demo's openpyxl save carries them over).
    filled = edit(data, layout, {(SHEET_NEW, FIRST_DATA_ROW, "name"): "Nieuw plan"})
    assert lite.embedded(filled) == script
    # A feedback copy, with and without findings to mark.
    from pipeline.core import finding

    found = finding("required-value-missing", sheet=SHEET_NEW, cell="C3", field="Naam")
    for findings in ([], [found]):
        feedback = write_feedback(
            filled, findings, party_name="Gemeente Nijmegen", round_="x", script=script
        )
        assert lite.embedded(feedback) == script
        assert SHEET_CHECK in openpyxl.load_workbook(io.BytesIO(feedback)).sheetnames
    # A party that changed its script gets the issued one back, never its own.
    changed = lite.embed(filled, lite.LiteScript(script.main_py + "\n# eigen code\n", ""))
    feedback = write_feedback(changed, [found], party_name="x", round_="x", script=script)
    assert lite.embedded(feedback) == script
    assert lite.embedded(write_feedback(changed, [found], party_name="x", round_="x")) is None
    # A file that is not ours gets a feedback without a script.
    assert lite.embedded(write_feedback(b"", [found], party_name="x", round_="x")) is None


def test_carry_replaces_and_never_duplicates_parts(workbook: bytes) -> None:
    twice = lite.carry(workbook, lite.carry(workbook, workbook))
    names = list(entries(twice))
    assert names.count(lite.WEBEXTENSION) == 1
    types = entries(twice)["[Content_Types].xml"].decode()
    assert types.count("/xl/webextensions/webextension1.xml") == 1
    assert entries(twice)["_rels/.rels"].decode().count("webextensiontaskpanes") == 1
    assert lite.embedded(twice) == lite.embedded(workbook)


def test_check_sheet_is_unprotected_and_formats_are_allowed(workbook: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    assert book.sheetnames.index(SHEET_CHECK) == 1
    assert not book[SHEET_CHECK].protection.sheet
    own = book[SHEET_OWN].protection
    assert own.sheet and not own.formatCells


def test_a_changed_script_is_noted_for_the_secretary_not_an_error(
    config: Config, state: State
) -> None:
    from pipeline.stages.check import check_bytes

    _, data = issued(config, state)
    script = lite.embedded(data)
    assert script is not None

    def notes(workbook: bytes) -> list[str]:
        report = check_bytes(config, state, workbook, "Planmonitor.xlsx")
        return [f.code for f in report.findings if f.code == "check-script-changed"]

    assert notes(data) == []
    edited = lite.LiteScript(script.main_py.replace("Controle klaar", "Klaar"), script.requirements)
    changed = lite.embed(data, edited)
    assert notes(changed) == ["check-script-changed"]
    report = check_bytes(config, state, changed, "Planmonitor.xlsx")
    assert not next(f for f in report.findings if f.code == "check-script-changed").blocking
    stripped = io.BytesIO()
    with zipfile.ZipFile(stripped, "w") as archive:
        for name, content in entries(data).items():
            if not name.startswith("xl/webextensions/"):
                archive.writestr(name, content)
    assert notes(stripped.getvalue()) == []  # a program that drops the script: nothing to note


def test_the_bundled_core_runs_without_planmonitor_installed(config: Config, state: State) -> None:
    """In Excel only the script exists: its bundle must import without the pipeline package."""
    import subprocess
    import sys

    _, data = issued(config, state)
    script = lite.embedded(data)
    assert script is not None
    program = """
import importlib.abc, sys, types

class NoPlanmonitor(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pipeline" or name.startswith("pipeline."):
            raise ImportError("planmonitor is not installed in Excel")
        return None

sys.meta_path.insert(0, NoPlanmonitor())
fake = types.ModuleType("xlwings")
fake.script = lambda *a, **k: (lambda f: f)
fake.Book = object
sys.modules["xlwings"] = fake
namespace = {}
exec(compile(sys.stdin.read(), "main.py", "exec"), namespace)
core = namespace["_core"]()
package = sys.modules[core.__name__.split(".")[0]]
payload = package.validation.decode_payload(namespace["PAYLOAD"])
result = package.validation.check_rows(payload.layout, {}, payload.context(), file_name="x")
print(core.__name__, sorted({f.code for f in result.findings}))
"""
    run = subprocess.run(
        [sys.executable, "-c", program],
        input=script.main_py,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["planmonitor_controle.validation.in_excel", "['sheet-missing']"]


# -- the payload in two parts, and the script's common piece compressed once ------------------


def _script(config: Config, state: State, party_id: str) -> tuple[Any, lite.LiteScript]:
    from pipeline.core.layout import monitor_hash, plan

    region, monitor = state.region(), state.monitor(config.round)
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party(party_id),
        issued_at="2026-10-01T09:00:00+00:00",
        new_rows=config.new_project_rows,
        base_hash=monitor_hash(monitor),
    )
    return layout, lite.script_for(layout, config, region, monitor)


def _payload_text(script: lite.LiteScript) -> str:
    found = re.search(r"PAYLOAD = \(\n(.*?)\)\n", script.main_py, re.S)
    assert found is not None
    return "".join(re.findall(r'"([^"]*)"', found.group(1)))


def test_payload_carries_own_rows_in_full_and_every_other_project_by_name(
    config: Config, state: State
) -> None:
    monitor = state.monitor(config.round)
    layout, script = _script(config, state, "P010")
    decoded = decode_payload(_payload_text(script))
    own = set(next(s for s in layout.sheets if s.name == SHEET_OWN).row_ids)
    records = monitor.records("project")
    base = decoded.base.projects
    assert list(base.index) == [str(r["project_id"]) for r in records]
    for record in records:
        row = base.loc[str(record["project_id"])]
        if str(record["project_id"]) in own:
            assert row["total_dwellings"] == record.get("total_dwellings")
            assert row["initiator"] == record.get("initiator")
        else:
            assert row["name"] == record.get("name")
            assert row.drop("name").isna().all()
    assert len(decoded.base.agreements) == len(monitor.agreements)


def test_payload_parts_of_two_parties_share_the_first_and_refuse_a_swap(
    config: Config, state: State
) -> None:
    _, first = _script(config, state, "P010")
    _, second = _script(config, state, "P001")
    shared_1, _, own_1 = _payload_text(first).partition(".")
    shared_2, _, own_2 = _payload_text(second).partition(".")
    assert shared_1 == shared_2 and own_1 != own_2
    # The script up to the party's own part is the same text in both workbooks.
    cut = first.main_py.index('."\n', first.main_py.index("PAYLOAD = ("))
    assert first.main_py[:cut] == second.main_py[:cut]
    from pipeline.validation import PayloadError

    with pytest.raises(PayloadError):
        decode_payload(shared_1[:-4] + "AAAA" + "." + own_1)  # the shared part changed
    with pytest.raises(PayloadError):
        decode_payload(own_1)  # the shared part left out


def test_own_rows_from_the_index_are_the_rows_the_check_finds(config: Config, state: State) -> None:
    from pipeline.core.layout import SHEET_AGREEMENTS
    from pipeline.validation.payload import own_rows
    from pipeline.workbook.party import RoundRows

    monitor = state.monitor(config.round)
    rows = RoundRows.of(config.catalogue, config.round, monitor)
    for party_id in ("P010", "P001", "P019", "P046"):
        layout, _ = _script(config, state, party_id)
        assert rows.own(layout) == own_rows(layout, rows.records)
        assert any(s.name == SHEET_AGREEMENTS for s in layout.sheets)


def test_webextension_common_piece_is_copied_compressed(config: Config, state: State) -> None:
    """Every workbook carries the very compressed bytes of the script's common piece (deflated
    on its own, once), and the part inflates to exactly the XML the parts describe."""
    import zlib

    scripts = [_script(config, state, p)[1] for p in ("P010", "P001")]
    commons = {lite._webextension(script, None)[1] for script in scripts}
    (common,) = commons
    assert len(common) > 100_000
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed = packer.compress(common) + packer.flush(zlib.Z_SYNC_FLUSH)
    for script in scripts:
        (entry,) = [e for e in lite.entries(script) if e.name == lite.WEBEXTENSION]
        assert entry.content() == lite.parts(script)[lite.WEBEXTENSION]
        assert zlib.crc32(entry.content()) == entry.crc
        assert compressed in entry.compressed
