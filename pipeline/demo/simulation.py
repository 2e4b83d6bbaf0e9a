"""Simulated parties for the demo: they fill in their workbooks as people would, mistakes included.

Each party edits its own issued workbook, finding columns by the labels it sees, and saves it
back into its folder: through openpyxl as Excel would, or in place (see :mod:`editing`). Which party does what is drawn from the seed, so a demo run
is the same every time.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl.workbook.workbook import Workbook

from ..core import (
    FIRST_DATA_ROW,
    SHEET_AGREEMENTS,
    SHEET_NEW,
    SHEET_OWN,
    Catalogue,
    Monitor,
    Party,
    Region,
    Round,
)
from ..validation import CHECK_TABLE_ROW, SHEET_CHECK
from ..workbook import embedded
from . import excel
from .editing import Change, EditedWorkbook, Editor, PatchedWorkbook

MISTAKES = ("typo", "sums", "choice", "date")
ROUTES = ("tafel zelf", "bestuurlijk overleg", "landelijke versnellingstafel", "expertteam")


@dataclass(frozen=True)
class Cast:
    """Who plays which part in a round of the demo."""

    responders: tuple[str, ...]
    mistakes: dict[str, str] = field(default_factory=dict)  # party -> one of MISTAKES
    cheater: str | None = None  # removes protection and changes another party's cell
    twice: str | None = None  # submits with a mistake, then a corrected file
    late: str | None = None
    xls: str | None = None  # sends an old .xls instead of the workbook
    adds: tuple[str, ...] = ()
    withdraws: tuple[str, ...] = ()
    silent: str | None = None  # never submits, in any round


def cast(
    region: Region,
    monitor: Monitor,
    rng: random.Random,
    first_round: bool,
    parties: list[str] | None = None,
) -> Cast:
    """Draw the parts; the same seed gives the same cast."""
    pool = [p for p in region.parties if parties is None or p.id in parties]
    initiators = {str(i) for i in monitor.projects["initiator"]}
    builders = [p.id for p in pool if p.id in initiators and not p.is_municipality]
    municipalities = [
        p.id
        for p in pool
        if p.is_municipality and (monitor.projects["municipality"] == p.municipality_code).any()
    ]
    # The same party stays silent in every round: the one with the highest id.
    silent = max(builders) if len(builders) > 2 else None
    builders = sorted(set(builders) - {silent})
    rng.shuffle(builders)
    rng.shuffle(municipalities)
    responders = [
        p.id
        for p in pool
        if p.id != silent
        and (rng.random() < 0.85 or p.id in builders[:8] or p.id in municipalities[:2] or p.pillars)
    ]
    special = builders[:8]
    # Three market parties make a mistake; in a small cast at most half of them.
    mistakes = dict(zip(special[: min(3, len(builders) // 2)], MISTAKES[:3], strict=False))
    if municipalities:
        mistakes[municipalities[0]] = "date"
    return Cast(
        responders=tuple(sorted(set(responders))),
        mistakes=mistakes,
        cheater=special[3] if len(special) > 3 else None,
        twice=special[4] if len(special) > 4 else None,
        late=special[5] if len(special) > 5 else None,
        xls=special[6] if first_round and len(special) > 6 else None,
        # In a small cast (fewer than a dozen market parties) one adds and one withdraws.
        adds=tuple(special[7:8]) + tuple(builders[8:10]) or tuple(builders[-1:]),
        withdraws=tuple(builders[10:12]) or tuple(builders[:1]),
        silent=silent,
    )


def fill_in(
    data: bytes,
    *,
    party: Party,
    region: Region,
    monitor: Monitor,
    catalogue: Catalogue,
    round_: Round,
    rng: random.Random,
    roles: Cast,
    corrected: bool = False,
    self_check: SelfCheck | None = None,
    in_place: bool = False,
) -> bytes:
    """The party's workbook after the party has done its work for the round and saved it
    (:func:`work`, then :func:`save`)."""
    done = save(
        work(
            data,
            party=party,
            region=region,
            monitor=monitor,
            catalogue=catalogue,
            round_=round_,
            rng=rng,
            roles=roles,
            corrected=corrected,
            self_check=self_check,
            in_place=in_place,
        ),
        catalogue=catalogue,
        round_=round_,
    )
    if self_check is not None:
        self_check.count(done.checked)
    return done.data


@dataclass(frozen=True)
class Work:
    """What a party did to its workbook, not saved yet. Saving (:func:`save`) is the costly part;
    it draws no random numbers, so it can run in another process while the next party works."""

    data: bytes  # the workbook as the party got it
    changes: tuple[Change, ...]
    unprotected: tuple[str, ...]
    in_place: bool  # saves only the changed cells, instead of the whole workbook through openpyxl
    check: bool  # clicks "Controleer mijn invoer" (the script in its workbook) before it saves


@dataclass(frozen=True)
class Checked:
    """What a party's own check in Excel found, and how much of it the party fixed."""

    found: int
    fixed: int


@dataclass(frozen=True)
class Saved:
    data: bytes
    checked: Checked | None  # None: no check in Excel (not clicked, or no script in the workbook)


def work(
    data: bytes,
    *,
    party: Party,
    region: Region,
    monitor: Monitor,
    catalogue: Catalogue,
    round_: Round,
    rng: random.Random,
    roles: Cast,
    corrected: bool = False,
    self_check: SelfCheck | None = None,
    in_place: bool = False,
) -> Work:
    """The party's work for the round on the workbook it was issued, as it reads it.

    With ``self_check``, the party slips while filling in, then checks in Excel and fixes what
    the check finds when it saves. ``in_place`` saves only the changed cells
    (:class:`PatchedWorkbook`); the check in Excel needs the workbook opened with openpyxl.
    The workbook is read in place either way: the values are openpyxl's (tested).
    """
    if in_place and self_check is not None:
        raise ValueError("the check in Excel runs on a workbook opened with openpyxl")
    book = PatchedWorkbook(data, catalogue, round_)
    own = _own_projects(book, party, monitor)
    _report_completions(book, own, round_)
    if party.is_municipality:
        _municipal_updates(book, party, monitor, rng)
    _initiator_updates(book, own, rng)
    if party.pillars:
        _agreement_updates(book, party, monitor, rng)
    if party.id in roles.adds:
        _add_project(book, party, region, round_, rng)
    if party.id in roles.withdraws and own:
        book.set(SHEET_OWN, own[-1][0], "withdrawn", "ja")
        book.set(SHEET_OWN, own[-1][0], "stoplight_explanation", "Project gaat niet door.")
    mistake = roles.mistakes.get(party.id)
    if party.id == roles.twice and not corrected:
        mistake = "sums"
    if mistake:
        _make_mistake(book, mistake, own, party, monitor)
    if party.id == roles.cheater:
        _change_other_party_cell(book, own)
    check = self_check is not None and bool(own)
    if self_check is not None and own:
        _slip(book, own, self_check.rng)
    return Work(data, tuple(book.changes), tuple(book.unprotected), in_place, check)


def save(work: Work, *, catalogue: Catalogue, round_: Round) -> Saved:
    """The party's work saved as the party saves it: handed in, after its check in Excel."""
    kind = PatchedWorkbook if work.in_place else EditedWorkbook
    book = kind(work.data, catalogue, round_)
    book.redo(work.changes, work.unprotected)
    checked = None
    if work.check:
        assert isinstance(book, EditedWorkbook)
        checked = _check_in_excel(book)
    return Saved(book.save(), checked)


def before_saving_apart(works: Iterable[Work]) -> None:
    """What :func:`save` in several processes at once needs done here first: the in-Excel
    check's core unpacked (once, not by every process at the same time)."""
    script = next((embedded(w.data) for w in works if w.check), None)
    if script is not None:
        excel.unpack(script.main_py)


@dataclass
class SelfCheck:
    """What the parties' own checks in Excel found before they sent their workbooks, and what
    they fixed."""

    rng: random.Random = field(default_factory=random.Random)  # for the slips, apart from the rest
    parties: int = 0
    found: int = 0
    fixed: int = 0

    def count(self, checked: Checked | None) -> None:
        if checked is not None:
            self.parties += 1
            self.found += checked.found
            self.fixed += checked.fixed


def _check_in_excel(book: EditedWorkbook) -> Checked | None:
    """Check, put every reported cell of the party's own back as issued, and check again."""
    script = embedded(book.original)
    if script is None:
        return None
    standin = excel.Book(book.book, "Planmonitor.xlsx")
    excel.run_script(script.main_py, standin)
    shown = _check_rows(book.book)
    if not shown:
        return Checked(0, 0)
    for sheet, cell in {(s, c) for s, c in shown}:
        target = book.book[sheet][cell]
        if target.protection.locked:
            continue  # not the party's own cell: it resolves when the row is fixed
        target.value = book.issued_value(sheet, cell)
    excel.run_script(script.main_py, standin)
    return Checked(len(shown), len(shown) - len(_check_rows(book.book)))


def _check_rows(book: Workbook) -> list[tuple[str, str]]:
    """(sheet, cell) of every finding the Controle sheet lists."""
    ws = book[SHEET_CHECK]
    rows = []
    first = CHECK_TABLE_ROW + 1
    for sheet, cell in ws.iter_rows(min_row=first, min_col=2, max_col=3, values_only=True):
        if sheet is None:
            break
        text = str(cell or "")
        if text.startswith("=HYPERLINK("):
            text = text.rsplit(",", 1)[-1].strip('")')
        if sheet in book.sheetnames and text:
            rows.append((str(sheet), text))
    return rows


def _slip(book: Editor, own: list[tuple[int, str]], rng: random.Random) -> None:
    """A slip while filling in: a letter O typed for a zero, or a phase typed in its own words."""
    row = own[rng.randrange(len(own))][0]
    if rng.random() < 0.5:
        total = book.get(SHEET_OWN, row, "total_dwellings")
        book.set(SHEET_OWN, row, "total_dwellings", f"{total}O")
    else:
        book.set(SHEET_OWN, row, "phase", "in uitvoering")


def _own_projects(book: Editor, party: Party, monitor: Monitor) -> list[tuple[int, str]]:
    """(excel row, project id) of the projects whose private part the party keeps."""
    rows = []
    for row in book.rows(SHEET_OWN):
        project_id = str(book.get(SHEET_OWN, row, "project_id"))
        if (
            project_id in monitor.projects.index
            and monitor.projects.at[project_id, "initiator"] == party.id
        ):
            rows.append((row, project_id))
    return rows


def _report_completions(book: Editor, own: list[tuple[int, str]], round_: Round) -> None:
    """Dwellings completed in the round's half year: part of what was planned for this year.

    In a first half about 45% of the year's planning is completed, in a second half 80% of what
    is left; the rest of a year that ends is carried into the next year by the roll-over.
    """
    share = 0.45 if round_.half == 1 else 0.8
    current = f"planning_{round_.year}"
    if current not in book.labels:
        return
    for row, _ in own:
        planned = _count(book.get(SHEET_OWN, row, current))
        realised = round(planned * share)
        if not realised:
            continue
        completed = _count(book.get(SHEET_OWN, row, "completed"))
        book.set(SHEET_OWN, row, "completed", completed + realised)
        book.set(SHEET_OWN, row, current, planned - realised)


def _initiator_updates(book: Editor, own: list[tuple[int, str]], rng: random.Random) -> None:
    """Planning slips now and then; stoplights move."""
    years = [k for k in book.labels if k.startswith("planning_") and k[-1].isdigit()]
    for row, _ in own:
        unknown = int(book.get(SHEET_OWN, row, "planning_unknown") or 0)
        if unknown and years and rng.random() < 0.5:  # the initiator places its dwellings in years
            book.set(SHEET_OWN, row, "planning_unknown", 0)
            target = years[min(len(years) - 1, rng.randint(1, 3))]
            book.set(SHEET_OWN, row, target, int(book.get(SHEET_OWN, row, target) or 0) + unknown)
        if rng.random() < 0.3:
            for index, key in enumerate(years):
                value = int(book.get(SHEET_OWN, row, key) or 0)
                if value:
                    later = years[index + 1] if index + 1 < len(years) else "planning_later"
                    book.set(SHEET_OWN, row, key, 0)
                    book.set(
                        SHEET_OWN, row, later, int(book.get(SHEET_OWN, row, later) or 0) + value
                    )
                    book.set(SHEET_OWN, row, "stoplight", "geel")
                    book.set(
                        SHEET_OWN, row, "stoplight_explanation", "Oplevering schuift een jaar op."
                    )
                    break
        elif rng.random() < 0.1:
            book.set(SHEET_OWN, row, "stoplight", "groen")


def _municipal_updates(book: Editor, party: Party, monitor: Monitor, rng: random.Random) -> None:
    steps = {
        "onbekend": "3. In voorbereiding",
        "4A. Visie": "3. In voorbereiding",
        "3. In voorbereiding": "2A. Vastgesteld",
        "2A. Vastgesteld": "1A. Onherroepelijk",
    }
    for row in book.rows(SHEET_OWN):
        project_id = str(book.get(SHEET_OWN, row, "project_id"))
        if (
            project_id not in monitor.projects.index
            or monitor.projects.at[project_id, "municipality"] != party.municipality_code
        ):
            continue
        status = book.get(SHEET_OWN, row, "zoning_status")
        if status is None:  # a project a market party added: the municipality fills in its part
            book.set(SHEET_OWN, row, "zoning_status", "3. In voorbereiding")
            book.set(SHEET_OWN, row, "permit_status", "niet aangevraagd")
            book.set(SHEET_OWN, row, "in_programme", "ja")
        elif status in steps and rng.random() < 0.25:
            book.set(SHEET_OWN, row, "zoning_status", steps[status])
            if steps[status] == "1A. Onherroepelijk":
                book.set(SHEET_OWN, row, "permit_status", "verleend")
                book.set(SHEET_OWN, row, "permit_date", dt.datetime(2026, 10, rng.randint(1, 28)))


def _agreement_updates(book: Editor, party: Party, monitor: Monitor, rng: random.Random) -> None:
    for row in book.rows(SHEET_AGREEMENTS):
        agreement = str(book.get(SHEET_AGREEMENTS, row, "agreement_id"))
        if (
            agreement not in monitor.agreements.index
            or monitor.agreements.at[agreement, "pillar"] not in party.pillars
        ):
            continue
        if rng.random() < 0.4:
            book.set(SHEET_AGREEMENTS, row, "status", rng.choice(["groen", "geel", "rood"]))
            book.set(
                SHEET_AGREEMENTS,
                row,
                "outcome",
                f"{rng.randint(2, 30)} projecten ondersteund; {rng.randint(40, 800)} woningen.",
            )
            book.set(
                SHEET_AGREEMENTS,
                row,
                "actions",
                "Tempotafel bespreekt voortgang; knelpunten naar het kernteam.",
            )
            if book.get(SHEET_AGREEMENTS, row, "status") == "rood" and not book.get(
                SHEET_AGREEMENTS, row, "route"
            ):
                # a generator of its own keeps the rest of the simulation as the seed made it
                choice = random.Random(f"route-{agreement}").choice(ROUTES)
                book.set(SHEET_AGREEMENTS, row, "route", choice)


def _add_project(
    book: Editor, party: Party, region: Region, round_: Round, rng: random.Random
) -> None:
    sheet = SHEET_NEW
    row = FIRST_DATA_ROW
    municipality = rng.choice(region.municipalities)
    total = rng.choice([18, 24, 36, 60])
    values: dict[str, Any] = {
        "name": f"{municipality.name} {rng.choice(['Hoge Weide', 'Kloosterhof', 'De Akkers'])}",
        "municipality": municipality.name,
        "total_dwellings": total,
        "social_rent": total // 3,
        "affordable_buy": total - total // 3,
        "single_family": total // 2,
        "multi_family": total - total // 2,
        f"planning_{round_.year + 2}": total,
        "construction_start": f"{round_.year + 1}-K{rng.randint(1, 4)}",
        "phase": "initiatief",
        "stoplight": "groen",
        "withdrawn": "nee",
    }
    for key, value in values.items():
        if key in book.labels:
            try:
                book.set(sheet, row, key, value)
            except KeyError:
                continue  # a column this party does not get


def _make_mistake(
    book: Editor, mistake: str, own: list[tuple[int, str]], party: Party, monitor: Monitor
) -> None:
    if mistake == "date":
        rows = [
            r
            for r in book.rows(SHEET_OWN)
            if monitor.projects.at[str(book.get(SHEET_OWN, r, "project_id")), "municipality"]
            == party.municipality_code
        ]
        if rows:
            book.set(SHEET_OWN, rows[0], "permit_date", "2026/31/12")
        return
    if not own:
        return
    row = own[0][0]
    if mistake == "typo":
        total = book.get(SHEET_OWN, row, "total_dwellings")
        book.set(SHEET_OWN, row, "total_dwellings", str(total).replace("0", "O", 1) + "O")
    elif mistake == "sums":
        book.set(
            SHEET_OWN,
            row,
            "total_dwellings",
            int(book.get(SHEET_OWN, row, "total_dwellings") or 0) + 7,
        )
    elif mistake == "choice":
        book.set(SHEET_OWN, row, "phase", "bouw gestart")


def _change_other_party_cell(book: Editor, own: list[tuple[int, str]]) -> None:
    """Remove the sheet protection and 'improve' the municipality's zoning status."""
    if not own:
        return
    book.unprotect(SHEET_OWN)
    row = own[0][0]
    current = book.get(SHEET_OWN, row, "zoning_status")
    book.set(
        SHEET_OWN,
        row,
        "zoning_status",
        "1A. Onherroepelijk" if current != "1A. Onherroepelijk" else "3. In voorbereiding",
    )


def old_xls() -> bytes:
    """A minimal Excel 97-2003 (.xls) file: a Compound File with a BIFF8 'Workbook' stream."""
    sector = 512
    stream = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
    stream += _biff_record(0x000A, b"")  # EOF
    stream = stream.ljust(4096, b"\x00")  # at the mini-stream cutoff: stored in normal sectors
    stream_sectors = len(stream) // sector
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT itself; sector 1: the directory
    fat += [2 + i + 1 for i in range(stream_sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHH", header, 0x18, 0x003E, 0x0003, 0xFFFE, 9)
    struct.pack_into("<H", header, 0x20, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<I", header, 0x4C, 0)
    for index in range(1, 109):
        struct.pack_into("<I", header, 0x4C + 4 * index, 0xFFFFFFFF)
    directory = _dir_entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)
    directory += _dir_entry("Workbook", 2, 2, len(stream))
    directory = directory.ljust(sector, b"\x00")
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + directory + stream


def _biff_record(kind: int, payload: bytes) -> bytes:
    return struct.pack("<HH", kind, len(payload)) + payload


def _dir_entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF) -> bytes:
    entry = bytearray(128)
    encoded = (name + "\x00").encode("utf-16-le")
    entry[0 : len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 68, 0xFFFFFFFF, 0xFFFFFFFF, child)
    struct.pack_into("<IQ", entry, 116, start, size)
    return bytes(entry)


def _count(value: Any) -> int:
    """A number of dwellings from the monitor; empty (None or NaN) counts as 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return 0 if number != number else int(number)
