"""Validation of submissions built in code: every kind of cell, row and ownership finding."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from builders import add_new_project, issued_submission, set_cell

from pipeline.core import Submission
from pipeline.core.config import Config
from pipeline.core.layout import SHEET_AGREEMENTS, SHEET_NEW, SHEET_OWN
from pipeline.state.database import State
from pipeline.validation.schema import Context, Validation, validate


def codes(result: Validation) -> set[tuple[str, str | None]]:
    return {(f.code, f.cell) for f in result.findings}


@pytest.fixture
def developer(config: Config, state: State) -> str:
    """The market party with the most projects."""
    monitor = state.monitor(config.round)
    region = state.region()
    counts = Counter(
        p for p in monitor.projects["initiator"] if not region.party(p).is_municipality
    )
    return counts.most_common(1)[0][0]


def first_own(submission, sheet=SHEET_OWN) -> str:  # type: ignore[no-untyped-def]
    return submission.sheets[sheet].layout.row_ids[0]


def test_unchanged_submission_has_no_findings(config: Config, state: State, developer: str) -> None:
    submission, context = issued_submission(config, state, developer)
    result = validate(submission, context)
    assert result.findings == []
    assert all(not row.blocked for row in result.rows)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("total_dwellings", "12O", "not-a-whole-number"),
        ("total_dwellings", "1.200", "not-a-whole-number"),
        ("total_dwellings", 12.5, "not-a-whole-number"),
        ("planning_2027", 999999, "value-above-maximum"),
        ("completed", -3, "value-below-minimum"),
        ("phase", "bouwen", "value-not-in-list"),
        ("circular", "misschien", "not-yes-or-no"),
        ("construction_start", "voorjaar 2027", "not-a-year-quarter"),
        ("stoplight_explanation", "x" * 251, "text-too-long"),
        ("stoplight", None, "required-value-missing"),
    ],
)
def test_cell_findings_name_code_and_cell(
    config: Config, state: State, developer: str, key: str, value: object, code: str
) -> None:
    submission, context = issued_submission(config, state, developer)
    row = set_cell(submission, SHEET_OWN, first_own(submission), key, value)
    letter_cell = submission.sheets[SHEET_OWN].layout.column_index(key)
    result = validate(submission, context)
    from pipeline.core.layout import column_letter

    cell = f"{column_letter(letter_cell)}{row}"
    assert (code, cell) in codes(result)
    found = next(f for f in result.findings if f.code == code)
    assert found.severity == "error"
    assert found.sheet == SHEET_OWN
    assert found.reference == f"'{SHEET_OWN}'!{cell}"
    assert "pandera" not in found.message and cell in found.message
    assert next(r for r in result.rows if r.excel_row == row).blocked


def test_date_in_wrong_format_is_reported_and_dutch_dates_accepted(
    config: Config, state: State
) -> None:
    region = state.region()
    municipality = next(p for p in region.parties if p.is_municipality and p.id == "P001")
    submission, context = issued_submission(config, state, municipality.id)
    rows = submission.sheets[SHEET_OWN].layout.row_ids
    set_cell(submission, SHEET_OWN, rows[0], "permit_date", "2026/31/12")
    set_cell(submission, SHEET_OWN, rows[1], "permit_date", "15-03-2026")
    result = validate(submission, context)
    assert [f.code for f in result.findings] == ["not-a-date"]
    accepted = next(r for r in result.rows if r.row_id == rows[1])
    assert accepted.values["permit_date"] == dt.date(2026, 3, 15)


def test_year_slices_that_do_not_add_up_block_the_row(
    config: Config, state: State, developer: str
) -> None:
    submission, context = issued_submission(config, state, developer)
    row_id = first_own(submission)
    total = context.base.projects.at[row_id, "total_dwellings"]
    year = next(
        k for k in submission.sheets[SHEET_OWN].layout.columns if k.startswith("planning_2")
    )
    planned = context.base.projects.at[row_id, year] or 0
    set_cell(submission, SHEET_OWN, row_id, year, planned + 10)
    result = validate(submission, context)
    slices = [f for f in result.findings if f.code == "year-slices-do-not-add-up"]
    assert len(slices) == 1 and slices[0].blocking
    assert f"samen {total + 10}" in slices[0].message

    # a wrong total breaks all three sums: one finding that names them, not three
    submission, context = issued_submission(config, state, developer)
    set_cell(submission, SHEET_OWN, row_id, "total_dwellings", total + 10)
    result = validate(submission, context)
    on_row = [f for f in result.findings if f.blocking and f.code != "row-held-back"]
    assert [f.code for f in on_row] == ["total-does-not-add-up"]
    assert str(total + 10) in on_row[0].message
    for sum_name in ("planning per jaar", "prijssegmenten", "grondgebonden"):
        assert sum_name in on_row[0].message


def test_change_to_another_partys_cell_is_not_owner(
    config: Config, state: State, developer: str
) -> None:
    submission, context = issued_submission(config, state, developer)
    row_id = first_own(submission)
    row = set_cell(submission, SHEET_OWN, row_id, "zoning_status", "1A. Onherroepelijk")
    submission.sheets[SHEET_OWN].protected = False
    result = validate(submission, context)
    col = submission.sheets[SHEET_OWN].layout.column_index("zoning_status")
    from pipeline.core.layout import column_letter

    assert ("not-owner", f"{column_letter(col)}{row}") in codes(result)
    assert ("protection-removed", None) in codes(result)
    outcome = next(r for r in result.rows if r.row_id == row_id)
    assert "zoning_status" not in outcome.values
    assert outcome.blocked


def test_agreement_rows_editable_only_for_the_tempomaker(config: Config, state: State) -> None:
    region = state.region()
    tempomaker = next(p for p in region.parties if p.pillars)
    submission, context = issued_submission(config, state, tempomaker.id)
    monitor = context.base
    own = next(
        a
        for a in monitor.agreements.index
        if monitor.agreements.at[a, "pillar"] in tempomaker.pillars
    )
    other = next(
        a
        for a in monitor.agreements.index
        if monitor.agreements.at[a, "pillar"] not in tempomaker.pillars
    )

    def flipped(agreement: str) -> str:
        return "geel" if monitor.agreements.at[agreement, "status"] == "rood" else "rood"

    set_cell(submission, SHEET_AGREEMENTS, own, "status", flipped(own))
    row = set_cell(submission, SHEET_AGREEMENTS, other, "status", flipped(other))
    result = validate(submission, context)
    assert [(f.code, f.row) for f in result.findings] == [("not-owner", row)]
    accepted = next(r for r in result.rows if r.row_id == own)
    assert accepted.values["status"] == flipped(own) and not accepted.blocked


def test_removed_and_unexpected_rows(config: Config, state: State, developer: str) -> None:
    submission, context = issued_submission(config, state, developer)
    data = submission.sheets[SHEET_OWN]
    removed = data.values.iloc[0]["project_id"]
    data.values.iloc[0, data.values.columns.get_loc("project_id")] = "PRJ-9999"
    result = validate(submission, context)
    found = {(f.code, f.row_id) for f in result.findings}
    assert ("row-removed", removed) in found
    assert "unexpected-row" in {f.code for f in result.findings}


def test_formula_is_refused_and_formula_like_text_warned(
    config: Config, state: State, developer: str
) -> None:
    submission, context = issued_submission(config, state, developer)
    row_id = first_own(submission)
    row = set_cell(submission, SHEET_OWN, row_id, "total_dwellings", "=SUM(A1:A3)")
    submission.sheets[SHEET_OWN].formulas.add((row, "total_dwellings"))
    set_cell(submission, SHEET_OWN, row_id, "stoplight_explanation", '=HYPERLINK("x")')
    result = validate(submission, context)
    found = {f.code for f in result.findings}
    assert "formula-not-allowed" in found
    assert "text-looks-like-formula" in found
    outcome = next(r for r in result.rows if r.row_id == row_id)
    assert "total_dwellings" not in outcome.values
    assert outcome.values["stoplight_explanation"] == '=HYPERLINK("x")'


def test_new_project_checked_and_kept_apart(config: Config, state: State, developer: str) -> None:
    submission, context = issued_submission(config, state, developer)
    year = config.round.year
    good = add_new_project(
        submission,
        {
            "name": "Nieuwbouw Stationsweg",
            "municipality": "Arnhem",
            "total_dwellings": 40,
            f"planning_{year + 2}": 40,
            "social_rent": 40,
            "multi_family": 40,
            "phase": "initiatief",
            "stoplight": "groen",
            "withdrawn": "nee",
        },
    )
    bad = add_new_project(submission, {"name": "Half ingevuld", "municipality": "Arnhem"})
    result = validate(submission, context)
    new = [r for r in result.rows if r.is_new]
    assert [r.excel_row for r in new] == [good, bad]
    assert not new[0].blocked and new[1].blocked
    assert new[0].values["municipality"] == "GM0202"
    assert {f.code for f in result.findings if f.row == bad} >= {"required-value-missing"}
    assert all(f.sheet == SHEET_NEW for f in result.findings)


def test_findings_are_capped_with_a_warning(config: Config, state: State, developer: str) -> None:
    submission, context = issued_submission(config, state, developer)
    from dataclasses import replace

    for row_id in submission.sheets[SHEET_OWN].layout.row_ids:
        set_cell(submission, SHEET_OWN, row_id, "phase", "onbekend")
    result = validate(submission, replace(context, max_findings=3))
    assert len(result.findings) == 4
    assert result.findings[-1].code == "too-many-findings"


def _arnhem_initiates(config: Config, state: State) -> tuple[Submission, Context, list[str]]:
    """Gemeente Arnhem's issued workbook, and the projects on its own sheet it initiates."""
    arnhem = state.region().party("P001")
    submission, context = issued_submission(config, state, arnhem.id)
    own = [
        r
        for r in submission.sheets[SHEET_OWN].layout.row_ids
        if context.base.projects.at[r, "initiator"] == arnhem.id
    ]
    return submission, context, own


def test_status_rules_warn_without_blocking(config: Config, state: State) -> None:
    submission, context, own_initiated = _arnhem_initiates(config, state)
    monitor = context.base
    public = [
        r
        for r in submission.sheets[SHEET_OWN].layout.row_ids
        if monitor.projects.at[r, "zoning_status"] == "3. In voorbereiding"
    ]
    set_cell(submission, SHEET_OWN, public[0], "permit_status", "onherroepelijk")
    row_id = own_initiated[0]
    set_cell(submission, SHEET_OWN, row_id, "bottlenecks_1", "stikstof")
    set_cell(submission, SHEET_OWN, row_id, "bottlenecks_2", "stikstof")
    set_cell(submission, SHEET_OWN, row_id, "bottleneck_explanation", "Depositie te hoog")
    set_cell(submission, SHEET_OWN, row_id, "construction_start", "2025-K1")
    set_cell(submission, SHEET_OWN, row_id, "phase", "planvorming")
    result = validate(submission, context)
    found = {f.code: f for f in result.findings}
    assert set(found) == {
        "permit-before-zoning",
        "duplicate-choice",
        "construction-start-in-past-without-progress",
    }
    assert all(f.severity == "warning" for f in found.values())
    assert "stikstof" in found["duplicate-choice"].message
    assert not any(r.blocked for r in result.rows)


@pytest.mark.parametrize("plain", [False, True])
def test_a_repeat_in_each_multiple_choice_is_named_at_its_own_cells(
    config: Config, state: State, plain: bool
) -> None:
    """Both multiple choices share the code "duplicate-choice": a repeated target group is
    reported at the target groups, a repeated bottleneck at the bottlenecks, each with its value."""
    from pipeline.core import column_letter

    submission, context, own = _arnhem_initiates(config, state)
    columns = list(submission.layout.sheet(SHEET_OWN).columns)

    def cells(result: Validation) -> dict[str, str]:
        return {
            f.cell[: -len(str(f.row))]: f.message
            for f in result.findings
            if f.code == "duplicate-choice" and f.cell and f.row
        }

    letter = {k: column_letter(columns.index(k) + 1) for k in ("target_groups_1", "bottlenecks_1")}
    set_cell(submission, SHEET_OWN, own[0], "target_groups_1", "studenten")
    set_cell(submission, SHEET_OWN, own[0], "target_groups_2", "studenten")
    only_groups = cells(validate(submission, context, plain=plain))
    assert list(only_groups) == [letter["target_groups_1"]]
    assert "studenten" in only_groups[letter["target_groups_1"]]
    set_cell(submission, SHEET_OWN, own[0], "bottlenecks_1", "stikstof")
    set_cell(submission, SHEET_OWN, own[0], "bottlenecks_2", "stikstof")
    both = cells(validate(submission, context, plain=plain))
    assert sorted(both) == sorted(letter.values())
    assert "stikstof" in both[letter["bottlenecks_1"]]
    assert "studenten" in both[letter["target_groups_1"]]


def test_new_project_with_an_existing_name_is_warned(
    config: Config, state: State, developer: str
) -> None:
    submission, context = issued_submission(config, state, developer)
    existing = context.base.projects.index[0]
    name = context.base.projects.at[existing, "name"]
    row = add_new_project(
        submission,
        {
            "name": name.upper(),
            "municipality": "Arnhem",
            "total_dwellings": 8,
            "planning_2028": 8,
            "phase": "initiatief",
            "stoplight": "groen",
        },
    )
    result = validate(submission, context)
    duplicate = next(f for f in result.findings if f.code == "new-project-duplicate")
    assert duplicate.row == row and existing in duplicate.message


def test_each_cell_value_is_checked_once(
    config: Config, state: State, developer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pandera's named checks carry the finding code; the value is worked out once."""
    from pipeline.core import values

    calls: Counter[tuple[str, object]] = Counter()
    real = values.check

    def counted(column, raw, choices=()):  # type: ignore[no-untyped-def]
        calls[(column.key, raw)] += 1
        return real(column, raw, choices)

    monkeypatch.setattr(values, "check", counted)
    submission, context = issued_submission(config, state, developer)
    set_cell(submission, SHEET_OWN, first_own(submission), "total_dwellings", "12O")
    result = validate(submission, context)
    assert [f.code for f in result.findings if f.cell and f.field].count("not-a-whole-number") == 1
    assert calls and max(calls.values()) == 1, calls.most_common(3)
